package io.flowbatch.schedule;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When the minute job launches.
 *
 * @param enabled off: the job runs only when launched through the admin endpoint
 * @param cron Quartz cron expression, seconds first
 * @param timeZone the zone the cron expression is read in
 */
@ConfigurationProperties("flowbatch.schedule")
public record ScheduleProperties(@DefaultValue("true") boolean enabled, @DefaultValue("0 * * * * ?") String cron,
        @DefaultValue("UTC") String timeZone) {
}
