package io.flowbatch.admin;

import io.flowbatch.schedule.RecurringJob;
import org.quartz.JobBuilder;
import org.quartz.TriggerKey;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Runs the purge once a day through Quartz, on one instance of the cluster. */
@Configuration(proxyBeanMethods = false)
class HousekeepingConfiguration {

    static final TriggerKey PURGE_TRIGGER = TriggerKey.triggerKey("housekeeping-daily", "flowbatch");

    @Bean
    RecurringJob housekeepingJob(HousekeepingProperties properties) {
        return new RecurringJob(JobBuilder.newJob(HousekeepingQuartzJob.class)
            .withIdentity("housekeeping", "flowbatch")
            .withDescription("Purges old job instances and finished evaluations")
            .storeDurably()
            .build(), PURGE_TRIGGER, properties.purgeCron(), "UTC");
    }

}
