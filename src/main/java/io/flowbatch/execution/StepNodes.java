package io.flowbatch.execution;

import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Records which node ran each step execution of flowExecution, as the step starts: the
 * admin pages show it, and the dead-node sweep finds the steps a dead node left running.
 * A remote partition is recorded earlier, in the transaction that takes its request off
 * the queue, so a worker that dies right after taking one is found too; the listener's
 * insert is then a no-op.
 */
public class StepNodes implements StepExecutionListener {

    static final String RECORD = """
            INSERT INTO step_execution_node (step_execution_id, job_execution_id, node_id)
            VALUES (:step, :job, :node) ON CONFLICT (step_execution_id) DO NOTHING
            """;

    /**
     * Partitions recorded for a node that are still marked running, recorded before a
     * cutoff.
     */
    static final String RUNNING_PARTITIONS = """
            SELECT n.step_execution_id FROM step_execution_node n
            JOIN batch_step_execution s ON s.step_execution_id = n.step_execution_id
            WHERE n.node_id = :node AND s.status IN ('STARTING', 'STARTED', 'STOPPING') AND %s
              AND n.recorded_at < now() - make_interval(secs => :seconds)
            """.formatted(Partitions.IS_PARTITION_SQL);

    static final String OF_JOB = "SELECT step_execution_id, node_id FROM step_execution_node WHERE job_execution_id = :job";

    private final JdbcClient jdbc;

    private final String node;

    /** The cluster package makes it, with this node's id. */
    public StepNodes(JdbcClient jdbc, String node) {
        this.jdbc = jdbc;
        this.node = node;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        record(stepExecution);
    }

    /**
     * Records this node as the one running the step; false when another node was recorded
     * first.
     */
    public boolean record(StepExecution stepExecution) {
        return jdbc.sql(RECORD)
            .param("step", stepExecution.getId())
            .param("job", stepExecution.getJobExecutionId())
            .param("node", node)
            .update() == 1;
    }

    /** This node's id. */
    public String node() {
        return node;
    }

    /**
     * Partitions recorded for this node longer ago than {@code recordedBefore} that are
     * still marked running.
     */
    public List<Long> runningPartitionsHere(Duration recordedBefore) {
        return jdbc.sql(RUNNING_PARTITIONS)
            .param("node", node)
            .param("seconds", recordedBefore.toSeconds())
            .query(Long.class)
            .list();
    }

    /** The node of each step execution of a job execution, by step execution id. */
    public Map<Long, String> ofJobExecution(long jobExecutionId) {
        Map<Long, String> nodes = new HashMap<>();
        jdbc.sql(OF_JOB).param("job", jobExecutionId).query((ResultSet rs) -> {
            nodes.put(rs.getLong("step_execution_id"), rs.getString("node_id"));
        });
        return nodes;
    }

}
