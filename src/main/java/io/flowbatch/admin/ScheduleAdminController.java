package io.flowbatch.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import io.flowbatch.schedule.ScheduleProperties;
import io.flowbatch.schedule.ScheduleRegistrar;
import io.flowbatch.system.ConflictException;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The schedule's state in Quartz (shared by every instance), with pause and resume. */
@RestController
class ScheduleAdminController {

    private final Scheduler scheduler;

    private final ScheduleProperties properties;

    ScheduleAdminController(Scheduler scheduler, ScheduleProperties properties) {
        this.scheduler = scheduler;
        this.properties = properties;
    }

    @GetMapping("/api/admin/schedule")
    Map<String, Object> schedule() throws SchedulerException {
        Trigger trigger = scheduler.getTrigger(ScheduleRegistrar.TRIGGER);
        Map<String, Object> schedule = new LinkedHashMap<>();
        schedule.put("enabled", properties.enabled() && trigger != null);
        schedule.put("cron", (trigger instanceof CronTrigger cron) ? cron.getCronExpression() : properties.cron());
        schedule.put("timeZone", properties.timeZone());
        schedule.put("state", (trigger != null) ? scheduler.getTriggerState(ScheduleRegistrar.TRIGGER).name() : "NONE");
        schedule.put("paused", trigger != null
                && scheduler.getTriggerState(ScheduleRegistrar.TRIGGER) == Trigger.TriggerState.PAUSED);
        schedule.put("nextFireTime", (trigger != null && trigger.getNextFireTime() != null)
                ? trigger.getNextFireTime().toInstant() : null);
        schedule.put("previousFireTime", (trigger != null && trigger.getPreviousFireTime() != null)
                ? trigger.getPreviousFireTime().toInstant() : null);
        schedule.put("schedulerRunning", scheduler.isStarted() && !scheduler.isInStandbyMode());
        return schedule;
    }

    @PostMapping("/api/admin/schedule/pause")
    Map<String, Object> pause() throws SchedulerException {
        requireTrigger();
        scheduler.pauseTrigger(ScheduleRegistrar.TRIGGER);
        return schedule();
    }

    @PostMapping("/api/admin/schedule/resume")
    Map<String, Object> resume() throws SchedulerException {
        requireTrigger();
        scheduler.resumeTrigger(ScheduleRegistrar.TRIGGER);
        return schedule();
    }

    private void requireTrigger() throws SchedulerException {
        if (scheduler.getTrigger(ScheduleRegistrar.TRIGGER) == null) {
            throw new ConflictException("The schedule is disabled (flowbatch.schedule.enabled=false); there is no "
                    + "trigger to pause or resume");
        }
    }

}
