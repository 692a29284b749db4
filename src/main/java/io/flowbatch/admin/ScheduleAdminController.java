package io.flowbatch.admin;

import org.quartz.SchedulerException;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/admin/schedule}: the schedule's state, pause and resume. */
@RestController
class ScheduleAdminController {

    private final ScheduleOperations schedule;

    ScheduleAdminController(ScheduleOperations schedule) {
        this.schedule = schedule;
    }

    @GetMapping("/api/admin/schedule")
    ScheduleOperations.ScheduleState schedule() throws SchedulerException {
        return schedule.state();
    }

    @PostMapping("/api/admin/schedule/pause")
    ScheduleOperations.ScheduleState pause() throws SchedulerException {
        return schedule.pause();
    }

    @PostMapping("/api/admin/schedule/resume")
    ScheduleOperations.ScheduleState resume() throws SchedulerException {
        return schedule.resume();
    }

}
