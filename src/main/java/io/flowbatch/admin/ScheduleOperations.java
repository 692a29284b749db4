package io.flowbatch.admin;

import java.time.Instant;

import io.flowbatch.schedule.ScheduleProperties;
import io.flowbatch.schedule.ScheduleRegistrar;
import io.flowbatch.system.ConflictException;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;

import org.springframework.stereotype.Service;

/** The schedule's state in Quartz (shared by every instance), with pause and resume. */
@Service
class ScheduleOperations {

    private final Scheduler scheduler;

    private final ScheduleProperties properties;

    ScheduleOperations(Scheduler scheduler, ScheduleProperties properties) {
        this.scheduler = scheduler;
        this.properties = properties;
    }

    ScheduleState state() throws SchedulerException {
        Trigger trigger = scheduler.getTrigger(ScheduleRegistrar.TRIGGER);
        Trigger.TriggerState state = (trigger != null) ? scheduler.getTriggerState(ScheduleRegistrar.TRIGGER) : null;
        return new ScheduleState(trigger != null,
                (trigger instanceof CronTrigger cron) ? cron.getCronExpression() : properties.cron(),
                properties.timeZone(), (state != null) ? state.name() : "NONE", state == Trigger.TriggerState.PAUSED,
                (trigger != null && trigger.getNextFireTime() != null) ? trigger.getNextFireTime().toInstant() : null,
                (trigger != null && trigger.getPreviousFireTime() != null) ? trigger.getPreviousFireTime().toInstant()
                        : null,
                scheduler.isStarted() && !scheduler.isInStandbyMode());
    }

    ScheduleState pause() throws SchedulerException {
        requireTrigger();
        scheduler.pauseTrigger(ScheduleRegistrar.TRIGGER);
        return state();
    }

    ScheduleState resume() throws SchedulerException {
        requireTrigger();
        scheduler.resumeTrigger(ScheduleRegistrar.TRIGGER);
        return state();
    }

    private void requireTrigger() throws SchedulerException {
        if (scheduler.getTrigger(ScheduleRegistrar.TRIGGER) == null) {
            throw new ConflictException("The schedule is disabled (flowbatch.schedule.enabled=false); there is no "
                    + "trigger to pause or resume");
        }
    }

    /**
     * @param enabled a trigger is stored
     * @param state Quartz's state of the trigger: NORMAL, PAUSED, BLOCKED (running), NONE
     * @param schedulerRunning this instance's scheduler is started (tests and maintenance
     * keep it in standby)
     */
    record ScheduleState(boolean enabled, String cron, String timeZone, String state, boolean paused,
            Instant nextFireTime, Instant previousFireTime, boolean schedulerRunning) {
    }

}
