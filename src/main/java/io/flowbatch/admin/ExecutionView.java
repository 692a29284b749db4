package io.flowbatch.admin;

import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.system.ExitDescriptions;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.step.StepExecution;

/**
 * One job execution as the admin API shapes it: parameters, steps and every count Spring
 * Batch keeps.
 */
record ExecutionView(long id, long jobInstanceId, String jobName, String status, String exitCode,
        String exitDescription, Map<String, String> parameters, LocalDateTime createTime, LocalDateTime startTime,
        LocalDateTime endTime, List<StepView> steps) {

    /** The first line of the exit description: for a failed run, what went wrong. */
    public String exitSummary() {
        return firstLine(exitDescription);
    }

    static String firstLine(String text) {
        return (text == null) ? "" : text.lines().findFirst().orElse("");
    }

    /**
     * The execution, each step with the node that ran it ({@code nodes} by step execution
     * id).
     */
    static ExecutionView of(JobExecution execution, Map<Long, String> nodes) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (JobParameter<?> parameter : execution.getJobParameters().parameters()) {
            parameters.put(parameter.name(), String.valueOf(parameter.value()));
        }
        List<StepView> steps = execution.getStepExecutions()
            .stream()
            .sorted(Comparator.comparingLong(StepExecution::getId))
            .map((step) -> StepView.of(step, nodes.get(step.getId())))
            .toList();
        return new ExecutionView(execution.getId(), execution.getJobInstanceId(),
                execution.getJobInstance().getJobName(), execution.getStatus().name(),
                execution.getExitStatus().getExitCode(), execution.getExitStatus().getExitDescription(), parameters,
                execution.getCreateTime(), execution.getStartTime(), execution.getEndTime(), steps);
    }

    /**
     * One step execution; a partition's name ends with the action it executed, and
     * {@code node} says which node ran it (null for runs from before nodes were
     * recorded).
     */
    record StepView(long id, String name, String node, String status, long readCount, long filterCount, long writeCount,
            long readSkipCount, long processSkipCount, long writeSkipCount, long commitCount, long rollbackCount,
            String exitDescription, LocalDateTime startTime, LocalDateTime endTime) {

        /** A failed partition's root cause, not "Unable to process chunk". */
        public String exitSummary() {
            return ExitDescriptions.rootCause(exitDescription);
        }

        static StepView of(StepExecution step, String node) {
            return new StepView(step.getId(), step.getStepName(), node, step.getStatus().name(), step.getReadCount(),
                    step.getFilterCount(), step.getWriteCount(), step.getReadSkipCount(), step.getProcessSkipCount(),
                    step.getWriteSkipCount(), step.getCommitCount(), step.getRollbackCount(),
                    step.getExitStatus().getExitDescription(), step.getStartTime(), step.getEndTime());
        }

    }

}
