package io.flowbatch.admin;

import java.time.LocalDateTime;

import io.flowbatch.execution.Partitions;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

/**
 * A run's progress: evaluations its partitions finished against those its buffer step
 * claimed.
 */
record ExecutionProgress(long id, String status, String minute, LocalDateTime startTime, long claimed, long done,
        int percent) {

    static ExecutionProgress of(JobExecution execution) {
        long claimed = 0;
        long done = 0;
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStepName().equals(Partitions.BUFFER_STEP)) {
                claimed += step.getWriteCount();
            }
            else if (Partitions.isPartition(step.getStepName())) {
                done += step.getWriteCount() + step.getFilterCount();
            }
        }
        Object fireTime = execution.getJobParameters().getLocalDateTime("fireTime");
        Object launchedAt = execution.getJobParameters().getLocalDateTime("launchedAt");
        String minute = (fireTime != null) ? "minute " + fireTime : (launchedAt != null) ? "manual " + launchedAt : "";
        int percent = (claimed > 0) ? (int) Math.min(100, done * 100 / claimed)
                : (execution.getStatus() == BatchStatus.COMPLETED ? 100 : 0);
        return new ExecutionProgress(execution.getId(), execution.getStatus().name(), minute, execution.getStartTime(),
                claimed, done, percent);
    }

}
