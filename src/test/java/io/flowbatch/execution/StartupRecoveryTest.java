package io.flowbatch.execution;

import java.time.LocalDateTime;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Runs;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An execution a crash left STARTED is marked FAILED at start, so an operator can restart
 * it.
 */
@FlowbatchTest
class StartupRecoveryTest {

    @Autowired
    JobRepository jobRepository;

    @Autowired
    StartupRecovery startupRecovery;

    @Autowired
    Recovery recovery;

    @Autowired
    org.springframework.jdbc.core.simple.JdbcClient jdbc;

    @Test
    void executionsLeftStartedByACrashBecomeRestartable() {
        var parameters = new JobParametersBuilder()
            .addLocalDateTime("fireTime",
                    LocalDateTime.of(2031, 1, 1, 0, 0).plusNanos(System.nanoTime() % 1_000_000_000L))
            .toJobParameters();
        JobInstance instance = jobRepository.createJobInstance(FlowExecutionLauncher.JOB_NAME, parameters);
        JobExecution crashed = jobRepository.createJobExecution(instance, parameters, new ExecutionContext());
        crashed.setStatus(BatchStatus.STARTED);
        crashed.setStartTime(LocalDateTime.now());
        jobRepository.update(crashed);

        startupRecovery.afterSingletonsInstantiated();

        JobExecution recovered = jobRepository.getJobExecution(crashed.getId());
        assertThat(recovered.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(jobRepository.findRunningJobExecutions(FlowExecutionLauncher.JOB_NAME))
            .noneMatch((execution) -> execution.getId() == crashed.getId());
    }

    @Test
    void beforeEveryRunOnlyExecutionsSilentForTooLongAreTakenAsDead() {
        JobExecution silent = running(LocalDateTime.of(2031, 2, 1, 0, 0));
        JobExecution alive = running(LocalDateTime.of(2031, 2, 1, 0, 1));
        jdbc.sql("UPDATE batch_job_execution SET last_updated = now() - interval '1 hour' WHERE job_execution_id = :id")
            .param("id", silent.getId())
            .update();

        recovery.recover();

        assertThat(jobRepository.getJobExecution(silent.getId()).getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(jobRepository.getJobExecution(alive.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        alive.setStatus(BatchStatus.FAILED);
        alive.setEndTime(LocalDateTime.now());
        jobRepository.update(alive);
    }

    @Test
    void anExecutionThatEndedUnknownIsSettledFailedWithItsStepsSoItCanBeRestarted() {
        JobExecution unknown = running(LocalDateTime.of(2031, 3, 1, 0, 0));
        StepExecution step = jobRepository.createStepExecution("execute", unknown);
        step.setStatus(BatchStatus.STARTED);
        jobRepository.update(step);
        unknown.setStatus(BatchStatus.UNKNOWN);
        unknown.setEndTime(LocalDateTime.now());
        jobRepository.update(unknown);

        recovery.recover();

        JobExecution settled = jobRepository.getJobExecution(unknown.getId());
        assertThat(settled.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(settled.getExitStatus().getExitDescription()).contains("ended UNKNOWN");
        assertThat(settled.getStepExecutions()).singleElement()
            .satisfies((s) -> assertThat(s.getStatus()).isEqualTo(BatchStatus.FAILED));
    }

    private JobExecution running(LocalDateTime minute) {
        return Runs.recorded(jobRepository, minute, BatchStatus.STARTED);
    }

}
