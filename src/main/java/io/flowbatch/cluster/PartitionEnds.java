package io.flowbatch.cluster;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneId;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.stereotype.Component;

/**
 * Ends partitions that would never end by themselves, so the manager polling for them
 * stops waiting and a restart can run them again (Spring Batch refuses to restart a step
 * left STARTING or STARTED; FAILED and STOPPED ones it runs again).
 */
@Component
class PartitionEnds {

    static final String STOPPED_BEFORE_START = "the run was asked to stop before this partition started";

    static final String ENDED_BEFORE_START = "its run ended before a worker took this partition";

    private static final Log logger = LogFactory.getLog(PartitionEnds.class);

    private final JobRepository jobRepository;

    private final Clock clock;

    PartitionEnds(JobRepository jobRepository, Clock clock) {
        this.jobRepository = jobRepository;
        this.clock = clock;
    }

    /**
     * A partition no worker started whose run no longer waits for it: STOPPED when the
     * run was stopped (its manager may still wait for every partition to end), else
     * FAILED. True if it ended it. A run being stopped reads STOPPED, not STOPPING: Batch
     * 6's {@code JobOperator.stop} gives it an end time at once, and the repository then
     * upgrades STOPPING to STOPPED while its steps still run.
     */
    boolean endIfAbandoned(StepExecution partition) {
        BatchStatus run = partition.getJobExecution().getStatus();
        if (partition.getStatus() != BatchStatus.STARTING || run == BatchStatus.STARTING
                || run == BatchStatus.STARTED) {
            return false;
        }
        boolean stopping = run == BatchStatus.STOPPING || run == BatchStatus.STOPPED;
        return end(partition, stopping ? BatchStatus.STOPPED : BatchStatus.FAILED,
                stopping ? STOPPED_BEFORE_START : ENDED_BEFORE_START);
    }

    /**
     * Marks a step still marked running FAILED, saying why: its runner is gone or lost
     * it. False when it had ended meanwhile, or another node got there first.
     */
    boolean fail(long stepExecutionId, String why) {
        StepExecution partition;
        try {
            partition = jobRepository.getStepExecution(stepExecutionId);
        }
        catch (EmptyResultDataAccessException ex) {
            // Purged meanwhile: Batch 6 throws for an unknown id.
            return false;
        }
        if (partition == null || !partition.getStatus().isRunning()) {
            return false;
        }
        return end(partition, BatchStatus.FAILED, why);
    }

    private boolean end(StepExecution partition, BatchStatus status, String why) {
        partition.setStatus(status);
        // Spring Batch writes its times in the JVM's zone.
        partition.setEndTime(LocalDateTime.ofInstant(clock.instant(), ZoneId.systemDefault()));
        partition.setExitStatus(
                ((status == BatchStatus.STOPPED) ? ExitStatus.STOPPED : ExitStatus.FAILED).addExitDescription(why));
        try {
            jobRepository.update(partition);
        }
        catch (OptimisticLockingFailureException ex) {
            return false;
        }
        logger.warn("Partition " + partition.getStepName() + " (step execution " + partition.getId() + ") of execution "
                + partition.getJobExecutionId() + " ended " + status + ": " + why);
        return true;
    }

}
