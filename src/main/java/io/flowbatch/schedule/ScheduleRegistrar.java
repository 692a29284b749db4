package io.flowbatch.schedule;

import java.util.List;
import java.util.TimeZone;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Keeps the trigger in Quartz's JDBC store in line with the settings at every start:
 * creates it, changes its cron when the setting changed, or removes it when the schedule
 * is disabled (a stored trigger would otherwise keep firing after the setting was turned
 * off).
 */
@Component
public class ScheduleRegistrar implements SmartInitializingSingleton {

    public static final JobKey JOB = JobKey.jobKey("flowExecution", "flowbatch");

    public static final TriggerKey TRIGGER = TriggerKey.triggerKey("flowExecution-every-minute", "flowbatch");

    private static final Log logger = LogFactory.getLog(ScheduleRegistrar.class);

    private final Scheduler scheduler;

    private final ScheduleProperties properties;

    private final List<RecurringJob> recurringJobs;

    public ScheduleRegistrar(Scheduler scheduler, ScheduleProperties properties, List<RecurringJob> recurringJobs) {
        this.scheduler = scheduler;
        this.properties = properties;
        this.recurringJobs = recurringJobs;
    }

    @Override
    public void afterSingletonsInstantiated() {
        registerFlowExecution();
        for (RecurringJob recurring : recurringJobs) {
            register(recurring.job(), recurring.trigger(), recurring.cron(), recurring.timeZone());
        }
    }

    private void registerFlowExecution() {
        try {
            if (!properties.enabled()) {
                if (scheduler.unscheduleJob(TRIGGER)) {
                    logger.info("Schedule disabled: removed the stored trigger; launch through the admin endpoint");
                }
                return;
            }
            JobDetail job = JobBuilder.newJob(FlowExecutionQuartzJob.class)
                .withIdentity(JOB)
                .withDescription("Launches the Spring Batch job flowExecution")
                .storeDurably()
                .build();
            scheduler.addJob(job, true);
            Trigger trigger = TriggerBuilder.newTrigger()
                .withIdentity(TRIGGER)
                .forJob(JOB)
                // Misfire: do nothing. The next run picks up everything that is due
                // anyway.
                .withSchedule(CronScheduleBuilder.cronSchedule(properties.cron())
                    .inTimeZone(TimeZone.getTimeZone(properties.timeZone()))
                    .withMisfireHandlingInstructionDoNothing())
                .build();
            Trigger stored = scheduler.getTrigger(TRIGGER);
            if (stored == null) {
                scheduler.scheduleJob(trigger);
            }
            else if (!(stored instanceof CronTrigger cron) || !cron.getCronExpression().equals(properties.cron())
                    || !cron.getTimeZone().getID().equals(TimeZone.getTimeZone(properties.timeZone()).getID())) {
                scheduler.rescheduleJob(TRIGGER, trigger);
            }
        }
        catch (SchedulerException ex) {
            throw new IllegalStateException("Could not register the flowExecution schedule", ex);
        }
    }

    private void register(JobDetail job, TriggerKey key, String cronExpression, String timeZone) {
        try {
            scheduler.addJob(job, true);
            Trigger trigger = TriggerBuilder.newTrigger()
                .withIdentity(key)
                .forJob(job.getKey())
                .withSchedule(CronScheduleBuilder.cronSchedule(cronExpression)
                    .inTimeZone(TimeZone.getTimeZone(timeZone))
                    .withMisfireHandlingInstructionDoNothing())
                .build();
            if (scheduler.getTrigger(key) == null) {
                scheduler.scheduleJob(trigger);
            }
            else {
                scheduler.rescheduleJob(key, trigger);
            }
        }
        catch (SchedulerException ex) {
            throw new IllegalStateException("Could not register " + job.getKey(), ex);
        }
    }

}
