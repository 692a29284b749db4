package io.flowbatch.admin;

import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.execution.Recovery;
import io.flowbatch.execution.StepNodes;
import io.flowbatch.system.ConflictException;
import io.flowbatch.system.NotFoundException;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.launch.JobExecutionNotRunningException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.stereotype.Service;

/**
 * What operators may do to a job execution, with the rules of when: shared by the admin
 * API and the admin pages. An operation that is not legal now throws
 * {@link ConflictException} saying why.
 */
@Service
public class ExecutionOperations {

    private final JobRepository jobRepository;

    private final JobOperator jobOperator;

    private final FlowExecutionLauncher launcher;

    private final Recovery recovery;

    private final StepNodes stepNodes;

    ExecutionOperations(JobRepository jobRepository, JobOperator jobOperator, FlowExecutionLauncher launcher,
            Recovery recovery, StepNodes stepNodes) {
        this.jobRepository = jobRepository;
        this.jobOperator = jobOperator;
        this.launcher = launcher;
        this.recovery = recovery;
        this.stepNodes = stepNodes;
    }

    /** The execution as the API and the pages show it, with the node each step ran on. */
    ExecutionView view(JobExecution execution) {
        return ExecutionView.of(execution, stepNodes.ofJobExecution(execution.getId()));
    }

    JobExecution find(long id) {
        JobExecution execution;
        try {
            execution = jobRepository.getJobExecution(id);
        }
        catch (EmptyResultDataAccessException ex) {
            // Batch 6's JDBC explorer throws instead of answering null for an unknown id.
            execution = null;
        }
        if (execution == null) {
            throw new NotFoundException("No job execution with id " + id);
        }
        return execution;
    }

    boolean canRestart(JobExecution execution) {
        return execution.getStatus() == BatchStatus.UNKNOWN || restartRefusal(execution) == null;
    }

    boolean canStop(JobExecution execution) {
        return execution.isRunning();
    }

    boolean canAbandon(JobExecution execution) {
        return execution.getStatus() == BatchStatus.FAILED || execution.getStatus() == BatchStatus.STOPPED;
    }

    /**
     * Runs again what did not complete, as a new execution of the same JobInstance;
     * returns its id.
     */
    public long restart(long id) throws Exception {
        JobExecution execution = find(id);
        if (execution.getStatus() == BatchStatus.UNKNOWN) {
            // Settled as FAILED, and its claims and in-flight sends recovered, before it
            // runs again.
            recovery.recover();
            execution = find(id);
        }
        String refusal = restartRefusal(execution);
        if (refusal != null) {
            throw new ConflictException(refusal);
        }
        return launcher.restart(execution);
    }

    /**
     * Asks a running execution to stop at the next chunk boundary; works across
     * instances.
     */
    BatchStatus stop(long id) throws Exception {
        JobExecution execution = find(id);
        if (!canStop(execution)) {
            throw new ConflictException(
                    "Execution " + id + " is " + execution.getStatus() + "; only a running execution can be stopped");
        }
        try {
            jobOperator.stop(execution);
        }
        catch (JobExecutionNotRunningException ex) {
            throw new ConflictException("Execution " + id + " finished before it could be stopped");
        }
        return find(id).getStatus();
    }

    /** Marks a FAILED or STOPPED execution ABANDONED: it will never be restarted. */
    BatchStatus abandon(long id) throws Exception {
        JobExecution execution = find(id);
        if (!canAbandon(execution)) {
            throw new ConflictException("Execution " + id + " is " + execution.getStatus()
                    + "; only FAILED or STOPPED executions can be abandoned");
        }
        return jobOperator.abandon(execution).getStatus();
    }

    private String restartRefusal(JobExecution execution) {
        long id = execution.getId();
        BatchStatus status = execution.getStatus();
        if (status != BatchStatus.FAILED && status != BatchStatus.STOPPED) {
            return "Execution " + id + " is " + status + "; only FAILED or STOPPED executions can be restarted"
                    + ((status == BatchStatus.ABANDONED) ? " (an abandoned one never)" : "");
        }
        if (execution.getStepExecutions().stream().anyMatch((step) -> step.getStatus().isRunning())) {
            return "Execution " + id + " is " + status + " but some of its steps are still finishing their chunk; "
                    + "try again in a moment";
        }
        JobInstance instance = jobRepository.getJobInstance(execution.getJobInstanceId());
        JobExecution last = jobRepository.getLastJobExecution(instance);
        if (last != null && last.getId() != id) {
            return "Execution " + id + " is not the last of its job instance; restart execution " + last.getId() + " ("
                    + last.getStatus() + ") instead";
        }
        return null;
    }

}
