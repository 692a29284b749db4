package io.flowbatch.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.execution.Partitions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The {@code node} table: this node joins it at start, beats every
 * {@code flowbatch.node.heartbeat}, and leaves it when it stops. Each beat also runs the
 * sweep for nodes that stopped beating ({@link DeadNodes}), so any surviving node
 * recovers a dead one, once this node itself has beaten without a gap for
 * {@code dead-after}. Times are the database's, so nodes on machines whose clocks
 * disagree still agree on who is alive.
 */
@Component
public class NodeRegistry implements SmartLifecycle {

    static final String JOIN = """
            INSERT INTO node (id, roles, host, pid, started_at, heartbeat_at, guarantee)
            VALUES (:id, :roles, :host, :pid, now(), now(), :guarantee)
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
            """;

    /**
     * Live nodes whose delivery guarantee differs from this one's, or that do not say
     * theirs (a version without claim leases).
     */
    static final String DISAGREEING = """
            SELECT id, guarantee FROM node
            WHERE id <> :id AND heartbeat_at >= now() - make_interval(secs => :deadAfter)
              AND guarantee IS DISTINCT FROM :guarantee
            ORDER BY id
            """;

    static final String BEAT = "UPDATE node SET heartbeat_at = now() WHERE id = :id";

    static final String LEAVE = "DELETE FROM node WHERE id = :id";

    /** Nodes dead for long enough that nobody needs to see them any more. */
    static final String FORGET = "DELETE FROM node WHERE heartbeat_at < now() - make_interval(secs => :seconds)";

    static final String LIVE_WORKERS = """
            SELECT count(*) FROM node
            WHERE 'worker' = ANY(roles) AND heartbeat_at >= now() - make_interval(secs => :deadAfter)
            """;

    static final String NODES = """
            SELECT id, roles, host, pid, started_at, heartbeat_at, guarantee,
                   heartbeat_at >= now() - make_interval(secs => :deadAfter) AS alive,
                   (SELECT count(*) FROM step_execution_node n JOIN batch_step_execution s
                      ON s.step_execution_id = n.step_execution_id
                    WHERE n.node_id = node.id AND s.status IN ('STARTING', 'STARTED', 'STOPPING')
                      AND %s) AS running_partitions
            FROM node ORDER BY started_at, id
            """.formatted(Partitions.IS_PARTITION_SQL);

    private static final Duration FORGET_AFTER = Duration.ofHours(1);

    private static final Log logger = LogFactory.getLog(NodeRegistry.class);

    private final JdbcClient jdbc;

    private final NodeIdentity node;

    private final DeadNodes deadNodes;

    private final NodeProperties properties;

    private final FlowExecutionLauncher launcher;

    private ScheduledExecutorService beats;

    private volatile boolean failing;

    /** The disagreeing nodes last reported, so each change is logged once. */
    private List<String> disagreeing = List.of();

    /** Since when this node has beaten without a gap; null while its beats fail. */
    private volatile Instant beatingSince;

    private final String guarantee;

    private final Clock clock;

    NodeRegistry(JdbcClient jdbc, NodeIdentity node, DeadNodes deadNodes, NodeProperties properties,
            FlowExecutionLauncher launcher, DeliveryProperties delivery, Clock clock) {
        this.clock = clock;
        this.guarantee = delivery.guarantee().value();
        this.jdbc = jdbc;
        this.node = node;
        this.deadNodes = deadNodes;
        this.properties = properties;
        this.launcher = launcher;
    }

    /** One node as the dashboard lists it. */
    public record NodeView(String id, List<String> roles, String host, long pid, OffsetDateTime startedAt,
            OffsetDateTime heartbeatAt, boolean alive, long runningPartitions, String guarantee) {
    }

    /** Nodes alive, and those dead within the last hour. */
    public List<NodeView> nodes() {
        return jdbc.sql(NODES)
            .param("deadAfter", properties.deadAfter().toSeconds())
            .query((rs, row) -> new NodeView(rs.getString("id"),
                    Arrays.asList((String[]) rs.getArray("roles").getArray()), rs.getString("host"), rs.getLong("pid"),
                    rs.getObject("started_at", OffsetDateTime.class),
                    rs.getObject("heartbeat_at", OffsetDateTime.class), rs.getBoolean("alive"),
                    rs.getLong("running_partitions"), rs.getString("guarantee")))
            .list();
    }

    /** Nodes with the worker role that are alive, by the database's clock. */
    public long liveWorkers() {
        return jdbc.sql(LIVE_WORKERS).param("deadAfter", properties.deadAfter().toSeconds()).query(Long.class).single();
    }

    public NodeIdentity self() {
        return node;
    }

    @Override
    public void start() {
        join();
        refuseDisagreeingNodes();
        beatingSince = clock.instant();
        beats = Executors.newSingleThreadScheduledExecutor((runnable) -> {
            Thread thread = new Thread(runnable, "node-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        long period = properties.heartbeat().toMillis();
        beats.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
        logger.info("Node " + node.id() + " joined with roles " + node.roles());
    }

    private void join() {
        jdbc.sql(JOIN)
            .param("id", node.id())
            .param("roles", node.roles().stream().sorted().toArray(String[]::new))
            .param("host", node.host())
            .param("pid", node.pid())
            .param("guarantee", guarantee)
            .update();
    }

    /**
     * One at-least-once node among at-most-once ones would resend what every node
     * recovers, and a node of a version without claim leases would claim and send past
     * every fence: after joining (so two nodes starting at once see each other), a node
     * that finds a live one disagreeing leaves and fails its start.
     */
    private void refuseDisagreeingNodes() {
        List<String> others = disagreeingNodes();
        if (!others.isEmpty()) {
            jdbc.sql(LEAVE).param("id", node.id()).update();
            throw new IllegalStateException(disagreement(others));
        }
    }

    private String disagreement(List<String> others) {
        return "flowbatch.delivery.guarantee is " + guarantee + " here, but live nodes sharing this database run "
                + String.join(", ", others) + ": every node of a cluster must run the same guarantee (and the same "
                + "version); stop them or change this setting";
    }

    /**
     * Live nodes that run another guarantee or do not say theirs, each named with what it
     * runs.
     */
    private List<String> disagreeingNodes() {
        return jdbc.sql(DISAGREEING)
            .param("id", node.id())
            .param("deadAfter", properties.deadAfter().toSeconds())
            .param("guarantee", guarantee)
            .query((rs, row) -> rs.getString("id") + " ("
                    + ((rs.getString("guarantee") != null) ? rs.getString("guarantee") : "an older version") + ")")
            .list();
    }

    void beat() {
        try {
            if (jdbc.sql(BEAT).param("id", node.id()).update() == 0) {
                // Taken for dead (a pause longer than dead-after) and forgotten: join
                // again. What
                // it was running has been failed by then; its own updates of those steps
                // fail too.
                logger.warn("Node " + node.id() + " was no longer registered; joining again");
                join();
            }
            if (failing) {
                logger.info("Node heartbeat recorded again");
                failing = false;
            }
        }
        catch (RuntimeException ex) {
            // The database is away: the next beat tries again. Said once, not every few
            // seconds.
            if (!failing) {
                logger.warn("Node heartbeat failed: " + ex.getMessage());
                failing = true;
            }
            beatingSince = null;
            return;
        }
        Instant now = clock.instant();
        if (beatingSince == null) {
            beatingSince = now;
        }
        // After an outage every node's last beat is old; a node back for less than
        // dead-after
        // would take the others, still reconnecting, for dead.
        if (Duration.between(beatingSince, now).compareTo(properties.deadAfter()) < 0) {
            return;
        }
        try {
            deadNodes.sweep();
            jdbc.sql(FORGET).param("seconds", FORGET_AFTER.toSeconds()).update();
            // A node that joined after this one (an older version never checks) is
            // shouted about.
            List<String> others = disagreeingNodes();
            if (!others.equals(disagreeing)) {
                if (!others.isEmpty()) {
                    logger.error(disagreement(others));
                }
                disagreeing = others;
            }
        }
        catch (RuntimeException ex) {
            logger.warn("Looking for dead nodes failed: " + ex.getMessage());
        }
    }

    /**
     * Leaves last: Quartz waits for the runs this node manages only after every lifecycle
     * stopped, so the node keeps beating until they ended (they were asked to stop as the
     * context closed), or the others would take it for dead and fail runs it is still
     * winding down.
     */
    @Override
    public void stop() {
        // A bounded wait on this process's monotonic time, not a decision by the clock: a
        // test's
        // stopped clock must not hold shutdown forever.
        long giveUp = System.nanoTime() + properties.drainTimeout().multipliedBy(2).toNanos();
        while (launcher.runningHere() > 0 && System.nanoTime() - giveUp < 0) {
            try {
                Thread.sleep(200);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (beats != null) {
            beats.shutdownNow();
            beats = null;
        }
        try {
            jdbc.sql(LEAVE).param("id", node.id()).update();
            logger.info("Node " + node.id() + " left the cluster");
        }
        catch (RuntimeException ex) {
            logger.warn("Node " + node.id() + " could not deregister (it will be taken for dead): " + ex.getMessage());
        }
    }

    @Override
    public boolean isRunning() {
        return beats != null;
    }

    /** Joins before the scheduler and the worker start, leaves after they stopped. */
    @Override
    public int getPhase() {
        return ClusterPhases.REGISTRY;
    }

}
