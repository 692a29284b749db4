package io.flowbatch.schedule;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.concurrent.atomic.AtomicReference;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;
import org.quartz.Trigger;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Quartz side: the stored trigger, and a fire that becomes a JobInstance for its fire
 * time.
 */
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
        long before = instances();
        AtomicReference<JobExecution> completed = new AtomicReference<>();
        scheduler.start();
        try {
            scheduler.triggerJob(ScheduleRegistrar.JOB);
            // The execution is kept when seen COMPLETED: looking up "the last instance"
            // again
            // afterwards could find a newer one that has no execution yet.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                if (instances() <= before) {
                    return false;
                }
                JobExecution last = jobRepository
                    .getLastJobExecution(jobRepository.getLastJobInstance("flowExecution"));
                if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                    completed.set(last);
                    return true;
                }
                return false;
            });
        }
        finally {
            scheduler.standby();
        }
        JobExecution execution = completed.get();
        LocalDateTime fireTime = execution.getJobParameters().getLocalDateTime("fireTime");
        assertThat(fireTime).isNotNull();
        assertThat(execution.getJobParameters().getParameter("fireTime").identifying()).isTrue();
    }

    /**
     * Counted in SQL: the repository's count throws while the job has no instance at all.
     */
    private long instances() {
        return data.jdbc()
            .sql("SELECT count(*) FROM batch_job_instance WHERE job_name = 'flowExecution'")
            .query(Long.class)
            .single();
    }

}
