package io.flowbatch.support;

import java.time.LocalDateTime;

import io.flowbatch.execution.FlowExecutionLauncher;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Runs of flowExecution written straight into the JobRepository, in the state a test
 * needs (what a crash or a dead node leaves behind), for a minute no real run uses.
 */
public final class Runs {

    private Runs() {
    }

    /**
     * A JobInstance for {@code minute} (made unique) and one execution of it in
     * {@code status}.
     */
    public static JobExecution recorded(JobRepository jobRepository, LocalDateTime minute, BatchStatus status) {
        JobParameters parameters = new JobParametersBuilder()
            .addLocalDateTime("fireTime", minute.plusNanos(System.nanoTime() % 1_000_000_000L))
            .toJobParameters();
        JobInstance instance = jobRepository.createJobInstance(FlowExecutionLauncher.JOB_NAME, parameters);
        JobExecution execution = jobRepository.createJobExecution(instance, parameters, new ExecutionContext());
        execution.setStatus(status);
        execution.setStartTime(LocalDateTime.now());
        if (!status.isRunning()) {
            execution.setEndTime(LocalDateTime.now());
        }
        jobRepository.update(execution);
        return execution;
    }

}
