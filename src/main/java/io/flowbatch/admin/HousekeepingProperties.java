package io.flowbatch.admin;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What is kept, and when the daily purge runs.
 *
 * @param retention job instances and finished evaluations older than this are purged
 * (IN_DOUBT evaluations are kept until an operator settles them)
 * @param purgeCron when the purge runs (Quartz cron, UTC): once a day, on one instance
 * @param purgeBatch rows deleted per statement, so a purge never holds long locks
 */
@ConfigurationProperties("flowbatch.admin")
public record HousekeepingProperties(@DefaultValue("P14D") Duration retention,
        @DefaultValue("0 30 3 * * ?") String purgeCron, @DefaultValue("5000") int purgeBatch) {
}
