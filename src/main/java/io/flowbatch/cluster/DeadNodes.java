package io.flowbatch.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.execution.Partitions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Ends what a dead node left running, so runs do not wait for it forever:
 * <ul>
 * <li>a partition it was running is marked FAILED: its manager, polling the
 * JobRepository, sees the partition end, and the run fails and can be restarted; a
 * restart runs only the partitions that did not complete;</li>
 * <li>a run it was managing is asked to stop (its partitions on live nodes stop at their
 * next chunk boundary), and once none runs any more it is marked FAILED, to be
 * restarted.</li>
 * </ul>
 * It also ends partitions no worker took whose run stopped waiting for them
 * (PartitionEnds). Marking a partition FAILED hands none of its evaluations out: those
 * are released by the recovery that runs before every run, once the partition's claim
 * lease has run out (PROCESSING back to BUFFERED; SENDING, a send grace later, to
 * IN_DOUBT or resend), as after any crash. A node taken for dead that is in fact alive
 * keeps renewing, and sending, until its partition ends. Every surviving node sweeps; an
 * update another node made first loses on the step's version and is skipped.
 */
@Component
class DeadNodes {

    /**
     * The node that runs a recorded step is alive when it has beaten within dead-after,
     * or recorded the step within dead-after (recording it was a sign of life, and its
     * next beat may still be on its way after an outage), or is this node: it is alive,
     * whatever its last beat says. Without the last two, a node back from a database
     * outage longer than dead-after started a run before its first beat, and the sweep
     * (its own or another node's) failed the partitions it had just started and left what
     * they sent in doubt.
     */
    static final String STEP_NODE_ALIVE = """
            (n.node_id = :self OR n.recorded_at >= now() - make_interval(secs => :deadAfter)
             OR EXISTS (SELECT 1 FROM node WHERE node.id = n.node_id
                        AND node.heartbeat_at >= now() - make_interval(secs => :deadAfter)))
            """;

    /** Running step executions of flowExecution whose node is dead. */
    static final String ORPHANED = """
            SELECT s.step_execution_id, s.job_execution_id, s.step_name, n.node_id
            FROM batch_step_execution s
            JOIN step_execution_node n ON n.step_execution_id = s.step_execution_id
            WHERE s.status IN ('STARTING', 'STARTED', 'STOPPING') AND NOT %s
            ORDER BY s.step_execution_id
            """.formatted(STEP_NODE_ALIVE);

    /** Partitions of a run still running on live nodes, this one among them. */
    static final String RUNNING_ON_LIVE_NODES = """
            SELECT count(*) FROM batch_step_execution s
            JOIN step_execution_node n ON n.step_execution_id = s.step_execution_id
            WHERE s.job_execution_id = :job AND s.status IN ('STARTING', 'STARTED', 'STOPPING') AND %s
            """.formatted(STEP_NODE_ALIVE);

    /**
     * Partitions no worker took (no node recorded) whose run is no longer waiting for
     * them: it is stopping, or it ended (failed, timed out) while their requests sat in
     * the queue.
     */
    static final String UNTAKEN = """
            SELECT s.step_execution_id FROM batch_step_execution s
            JOIN batch_job_execution e ON e.job_execution_id = s.job_execution_id
            WHERE s.status = 'STARTING' AND %s AND e.status NOT IN ('STARTING', 'STARTED')
              AND NOT EXISTS (SELECT 1 FROM step_execution_node n WHERE n.step_execution_id = s.step_execution_id)
            """.formatted(Partitions.IS_PARTITION_SQL);

    static final String PARTITION_FAILED = "node %s stopped sending heartbeats while running this partition; "
            + "what it had claimed is recovered before the next run, and a restart runs the partition again";

    static final String MANAGER_FAILED = "node %s, which managed this run, stopped sending heartbeats; "
            + "marked FAILED so it can be restarted";

    private static final Log logger = LogFactory.getLog(DeadNodes.class);

    private final JdbcClient jdbc;

    private final JobRepository jobRepository;

    private final JobOperator jobOperator;

    private final PartitionEnds partitionEnds;

    private final long deadAfterSeconds;

    private final String self;

    DeadNodes(JdbcClient jdbc, JobRepository jobRepository, JobOperator jobOperator, PartitionEnds partitionEnds,
            NodeProperties properties, NodeIdentity node) {
        this.self = node.id();
        this.jdbc = jdbc;
        this.jobRepository = jobRepository;
        this.jobOperator = jobOperator;
        this.partitionEnds = partitionEnds;
        this.deadAfterSeconds = properties.deadAfter().toSeconds();
    }

    /** What one sweep did. */
    record Swept(int partitionsFailed, int runsStopping, int runsFailed, int untakenEnded) {
    }

    Swept sweep() {
        int partitions = 0;
        Map<Long, List<Orphan>> deadManagers = new LinkedHashMap<>();
        for (Orphan orphan : orphans()) {
            if (orphan.partition()) {
                partitions += partitionEnds.fail(orphan.stepExecutionId(), PARTITION_FAILED.formatted(orphan.nodeId()))
                        ? 1 : 0;
            }
            else {
                deadManagers.computeIfAbsent(orphan.jobExecutionId(), (id) -> new ArrayList<>()).add(orphan);
            }
        }
        int stopping = 0;
        int failed = 0;
        for (List<Orphan> managerSteps : deadManagers.values()) {
            String nodeId = managerSteps.get(0).nodeId();
            JobExecution execution = jobExecution(managerSteps.get(0).jobExecutionId());
            if (execution == null) {
                continue;
            }
            if (!execution.getStatus().isRunning()) {
                // Stopped (Batch 6 marks a stopped run STOPPED at once) or ended by
                // someone else,
                // its manager died before its steps could end: end them, as recover()
                // would have.
                managerSteps
                    .forEach((step) -> partitionEnds.fail(step.stepExecutionId(), MANAGER_FAILED.formatted(nodeId)));
                continue;
            }
            long stillRunning = jdbc.sql(RUNNING_ON_LIVE_NODES)
                .param("job", execution.getId())
                .param("deadAfter", deadAfterSeconds)
                .param("self", self)
                .query(Long.class)
                .single();
            if (stillRunning > 0) {
                stopping += askToStop(execution, nodeId) ? 1 : 0;
            }
            else {
                failed += fail(execution, nodeId) ? 1 : 0;
            }
        }
        int abandoned = 0;
        for (long id : jdbc.sql(UNTAKEN).query(Long.class).list()) {
            abandoned += endAbandoned(id) ? 1 : 0;
        }
        return new Swept(partitions, stopping, failed, abandoned);
    }

    /** A partition still queued for a run that stopped waiting for it. */
    private boolean endAbandoned(long stepExecutionId) {
        try {
            StepExecution partition = jobRepository.getStepExecution(stepExecutionId);
            return partition != null && partitionEnds.endIfAbandoned(partition);
        }
        catch (EmptyResultDataAccessException | OptimisticLockingFailureException ex) {
            // Purged, or taken and ended by a worker meanwhile.
            return false;
        }
    }

    private JobExecution jobExecution(long id) {
        try {
            return jobRepository.getJobExecution(id);
        }
        catch (EmptyResultDataAccessException ex) {
            return null;
        }
    }

    private List<Orphan> orphans() {
        return jdbc.sql(ORPHANED)
            .param("deadAfter", deadAfterSeconds)
            .param("self", self)
            .query((rs, row) -> new Orphan(rs.getLong("step_execution_id"), rs.getLong("job_execution_id"),
                    rs.getString("step_name"), rs.getString("node_id")))
            .list();
    }

    private boolean askToStop(JobExecution execution, String nodeId) {
        if (execution.getStatus() == BatchStatus.STOPPING) {
            return false;
        }
        logger.warn("Execution " + execution.getId() + ": its manager node " + nodeId
                + " is dead; stopping its partitions on live nodes at their next chunk boundary");
        execution.setStatus(BatchStatus.STOPPING);
        try {
            jobRepository.update(execution);
            return true;
        }
        catch (OptimisticLockingFailureException ex) {
            return false;
        }
    }

    private boolean fail(JobExecution execution, String nodeId) {
        String why = MANAGER_FAILED.formatted(nodeId);
        logger.warn("Execution " + execution.getId() + ": " + why);
        try {
            // recover() sets the status only: the exit code would stay UNKNOWN (and
            // UNKNOWN outranks
            // FAILED in ExitStatus.and, hence a new one).
            execution.setExitStatus(ExitStatus.FAILED.addExitDescription(execution.getExitStatus().getExitDescription())
                .addExitDescription(why));
            jobOperator.recover(execution);
            return true;
        }
        catch (OptimisticLockingFailureException ex) {
            return false;
        }
    }

    /** A running step execution whose node is dead. */
    record Orphan(long stepExecutionId, long jobExecutionId, String stepName, String nodeId) {

        boolean partition() {
            return Partitions.isPartition(stepName);
        }

    }

}
