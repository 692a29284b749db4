package io.flowbatch.execution;

import java.time.LocalDateTime;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** An execution a crash left STARTED is marked FAILED at start, so an operator can restart it. */
@FlowbatchTest
class StartupRecoveryTest {

    @Autowired
    JobRepository jobRepository;

    @Autowired
    StartupRecovery startupRecovery;

    @Test
    void executionsLeftStartedByACrashBecomeRestartable() {
        var parameters = new JobParametersBuilder().addLocalDateTime("fireTime", LocalDateTime.of(2031, 1, 1, 0, 0)
            .plusNanos(System.nanoTime() % 1_000_000_000L)).toJobParameters();
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

}
