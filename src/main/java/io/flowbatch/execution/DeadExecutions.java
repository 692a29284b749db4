package io.flowbatch.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Finds executions that are marked running but whose process is gone, and marks them
 * FAILED through {@code JobOperator.recover}, so they can be restarted and their claims
 * released.
 */
@Component
class DeadExecutions {

    /**
     * Running executions whose job and steps have been silent since the cutoff (Batch
     * keeps local times).
     */
    static final String SILENT = """
            SELECT e.job_execution_id FROM batch_job_execution e
            JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
            WHERE i.job_name = :jobName AND e.status IN ('STARTING', 'STARTED', 'STOPPING')
              AND COALESCE(e.last_updated, e.create_time) < :cutoff
              AND NOT EXISTS (SELECT 1 FROM batch_step_execution s
                              WHERE s.job_execution_id = e.job_execution_id AND s.last_updated >= :cutoff)
            """;

    /**
     * Executions that ended UNKNOWN: the JobRepository could not record how a failure
     * ended (typically PostgreSQL went away mid-chunk, and the rollback could not be
     * written).
     */
    static final String UNKNOWN = """
            SELECT e.job_execution_id FROM batch_job_execution e
            JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
            WHERE i.job_name = :jobName AND e.status = 'UNKNOWN'
            """;

    static final String SETTLED_UNKNOWN = "ended UNKNOWN; flowbatch's evaluations carry their own states and are "
            + "recovered from them, so it was marked FAILED to be restartable";

    private static final Log logger = LogFactory.getLog(DeadExecutions.class);

    private final JdbcClient jdbc;

    private final JobRepository jobRepository;

    private final JobOperator jobOperator;

    private final Duration staleAfter;

    private final Clock clock;

    DeadExecutions(JdbcClient jdbc, JobRepository jobRepository, JobOperator jobOperator,
            ExecutionProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.jobRepository = jobRepository;
        this.jobOperator = jobOperator;
        this.staleAfter = properties.staleAfter();
        this.clock = clock;
    }

    /**
     * Recovers executions silent for longer than {@code flowbatch.execution.stale-after}.
     */
    int recoverStale() {
        LocalDateTime cutoff = LocalDateTime.ofInstant(clock.instant().minus(staleAfter), ZoneId.systemDefault());
        List<Long> silent = jdbc.sql(SILENT)
            .param("jobName", FlowExecutionLauncher.JOB_NAME)
            .param("cutoff", cutoff)
            .query(Long.class)
            .list();
        for (long id : silent) {
            recover(jobRepository.getJobExecution(id), "has been silent for more than " + staleAfter);
        }
        return silent.size();
    }

    /**
     * Recovers every execution marked running: at the start of the only instance, none
     * can be.
     */
    int recoverAllRunning() {
        int count = 0;
        for (JobExecution execution : jobRepository.findRunningJobExecutions(FlowExecutionLauncher.JOB_NAME)) {
            recover(execution, "was left " + execution.getStatus() + " by a previous process");
            count++;
        }
        return count;
    }

    /**
     * Marks executions that ended UNKNOWN, and their steps left UNKNOWN or running,
     * FAILED. Spring Batch refuses to restart an UNKNOWN execution because it cannot tell
     * what the failed chunk left behind; flowbatch can, since every claim and send is a
     * state on the evaluation row that recovery settles (PROCESSING back to BUFFERED,
     * SENDING to IN_DOUBT or resend), and its reader takes no position from the step's
     * context.
     */
    int settleUnknown() {
        List<Long> unknown = jdbc.sql(UNKNOWN)
            .param("jobName", FlowExecutionLauncher.JOB_NAME)
            .query(Long.class)
            .list();
        for (long id : unknown) {
            JobExecution execution = jobRepository.getJobExecution(id);
            logger.warn("Execution " + id + " " + SETTLED_UNKNOWN);
            for (StepExecution step : execution.getStepExecutions()) {
                // A step still marked running lost its last update with the job: it ended
                // too.
                if (step.getStatus() == BatchStatus.UNKNOWN || step.getStatus().isRunning()) {
                    step.setStatus(BatchStatus.FAILED);
                    step.setExitStatus(step.getExitStatus().and(ExitStatus.FAILED).addExitDescription(SETTLED_UNKNOWN));
                    jobRepository.update(step);
                }
            }
            execution.setStatus(BatchStatus.FAILED);
            execution
                .setExitStatus(execution.getExitStatus().and(ExitStatus.FAILED).addExitDescription(SETTLED_UNKNOWN));
            jobRepository.update(execution);
        }
        return unknown.size();
    }

    private void recover(JobExecution execution, String why) {
        logger.warn("Execution " + execution.getId() + " " + why + "; marking it FAILED so it can be restarted");
        jobOperator.recover(execution);
    }

}
