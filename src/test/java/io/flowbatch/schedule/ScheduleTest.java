package io.flowbatch.schedule;

import java.time.Duration;
import java.time.LocalDateTime;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;
import org.quartz.Trigger;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Quartz side: the stored trigger, and a fire that becomes a JobInstance for its fire time. */
@FlowbatchTest
class ScheduleTest {

    @Autowired
    Scheduler scheduler;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    TestData data;

    @Test
    void theTriggerIsStoredWithTheCronAndMisfireDoNothing() throws Exception {
        Trigger trigger = scheduler.getTrigger(ScheduleRegistrar.TRIGGER);

        assertThat(trigger).isInstanceOf(CronTrigger.class);
        assertThat(((CronTrigger) trigger).getCronExpression()).isEqualTo("0 * * * * ?");
        assertThat(((CronTrigger) trigger).getTimeZone().getID()).isEqualTo("UTC");
        assertThat(trigger.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);
        assertThat(scheduler.getJobDetail(ScheduleRegistrar.JOB).isConcurrentExecutionDisallowed()).isTrue();
    }

    @Test
    void aFireLaunchesFlowExecutionIdentifiedByItsScheduledFireTime() throws Exception {
        data.reset();
        long before = jobRepository.getJobInstanceCount("flowExecution");
        scheduler.start();
        try {
            scheduler.triggerJob(ScheduleRegistrar.JOB);
            await().atMost(Duration.ofSeconds(30))
                .until(() -> jobRepository.getJobInstanceCount("flowExecution") > before
                        && jobRepository.getLastJobExecution(jobRepository.getLastJobInstance("flowExecution"))
                            .getStatus() == BatchStatus.COMPLETED);
        }
        finally {
            scheduler.standby();
        }
        JobInstance instance = jobRepository.getLastJobInstance("flowExecution");
        JobExecution execution = jobRepository.getLastJobExecution(instance);
        LocalDateTime fireTime = execution.getJobParameters().getLocalDateTime("fireTime");
        assertThat(fireTime).isNotNull();
        assertThat(execution.getJobParameters().getParameter("fireTime").identifying()).isTrue();
    }

}
