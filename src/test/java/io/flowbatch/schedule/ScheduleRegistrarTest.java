package io.flowbatch.schedule;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The stored trigger follows the settings at every start. */
@FlowbatchTest
class ScheduleRegistrarTest {

    @Autowired
    Scheduler scheduler;

    java.util.List<RecurringJob> noRecurringJobs = java.util.List.of();

    @AfterEach
    void restoreDefault() {
        new ScheduleRegistrar(scheduler, new ScheduleProperties(true, "0 * * * * ?", "UTC"), noRecurringJobs)
            .afterSingletonsInstantiated();
    }

    @Test
    void disablingTheScheduleRemovesTheStoredTrigger() throws Exception {
        new ScheduleRegistrar(scheduler, new ScheduleProperties(false, "0 * * * * ?", "UTC"), noRecurringJobs)
            .afterSingletonsInstantiated();

        assertThat(scheduler.getTrigger(ScheduleRegistrar.TRIGGER)).isNull();
    }

    @Test
    void aChangedCronReplacesTheStoredOne() throws Exception {
        new ScheduleRegistrar(scheduler, new ScheduleProperties(true, "0 0/5 * * * ?", "Europe/Paris"), noRecurringJobs)
            .afterSingletonsInstantiated();

        CronTrigger trigger = (CronTrigger) scheduler.getTrigger(ScheduleRegistrar.TRIGGER);
        assertThat(trigger.getCronExpression()).isEqualTo("0 0/5 * * * ?");
        assertThat(trigger.getTimeZone().getID()).isEqualTo("Europe/Paris");
    }

}
