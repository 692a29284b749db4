package io.flowbatch.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.flowbatch.embedded.SharedServices;
import io.flowbatch.support.Spike;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three instances of the packaged application on one PostgreSQL, one Redis and one SMTP
 * server, with clustered Quartz and remote partitioning: two nodes with both roles, one
 * worker only. 30,000 due evaluations over 12 actions; the worker-only node is SIGKILLed
 * while it runs partitions and started again. Checked: one JobInstance per fire time,
 * each run once (the one restarted here excepted), managed only by scheduler nodes;
 * partitions on at least two nodes; the dead node's partitions failed by the sweep; every
 * evaluation SENT or IN_DOUBT (no more IN_DOUBT than were in flight at the kill); no
 * Message-ID received twice; the failed run restarted through the admin API to
 * completion, running only partitions that had not completed.
 * {@code -Dflowbatch.cluster.evaluations} scales it.
 */
class ClusterIT {

    static final int ACTIONS = 12;

    static final String UNFINISHED = """
            SELECT count(*) FROM evaluation WHERE state IN ('WAITING', 'BUFFERED', 'PROCESSING', 'SENDING')
            """;

    static final String STATES = "SELECT state, count(*) AS n FROM evaluation GROUP BY state";

    static final String IN_FLIGHT = "SELECT id FROM evaluation WHERE state = 'SENDING'";

    static final String RUNNING_PARTITIONS_OF = """
            SELECT count(*) FROM step_execution_node n JOIN batch_step_execution s ON s.step_execution_id = n.step_execution_id
            WHERE n.node_id LIKE :name || '-%' AND s.status = 'STARTED' AND s.step_name LIKE 'executeAction:%'
            """;

    /**
     * Partition step executions of this test's runs, with their node's name (its id less
     * the per-start suffix).
     */
    static final String PARTITIONS = """
            SELECT s.step_execution_id, s.job_execution_id, s.step_name, s.status, s.exit_message,
                   regexp_replace(n.node_id, '-[0-9a-f]{8}$', '') AS node
            FROM batch_step_execution s JOIN step_execution_node n ON n.step_execution_id = s.step_execution_id
            WHERE s.job_execution_id > :after AND s.step_name LIKE 'executeAction:%'
            ORDER BY s.step_execution_id
            """;

    /** The node that managed each run: the node of its buffer step. */
    static final String MANAGERS = """
            SELECT DISTINCT regexp_replace(n.node_id, '-[0-9a-f]{8}$', '') AS node
            FROM batch_step_execution s JOIN step_execution_node n ON n.step_execution_id = s.step_execution_id
            WHERE s.job_execution_id > :after AND s.step_name = 'buffer'
            """;

    static final String RUNNING_MANAGERS = """
            SELECT s.job_execution_id, regexp_replace(n.node_id, '-[0-9a-f]{8}$', '') AS node
            FROM batch_step_execution s JOIN step_execution_node n ON n.step_execution_id = s.step_execution_id
            JOIN batch_job_execution e ON e.job_execution_id = s.job_execution_id
            WHERE s.job_execution_id > :after AND s.step_name = 'buffer' AND e.status = 'STARTED'
            """;

    static final String EXECUTIONS_PER_INSTANCE = """
            SELECT e.job_instance_id, count(*) AS executions FROM batch_job_execution e
            WHERE e.job_execution_id > :after GROUP BY e.job_instance_id
            """;

    /** Fire times that more than one JobInstance ran for: must be none. */
    static final String FIRE_TIMES_RUN_TWICE = """
            SELECT p.parameter_value FROM batch_job_execution_params p
            WHERE p.job_execution_id > :after AND p.parameter_name = 'fireTime'
            GROUP BY p.parameter_value HAVING count(DISTINCT (SELECT job_instance_id FROM batch_job_execution e
                                                              WHERE e.job_execution_id = p.job_execution_id)) > 1
            """;

    static final String FAILED_EXECUTIONS = """
            SELECT job_execution_id FROM batch_job_execution WHERE job_execution_id > :after AND status = 'FAILED'
            ORDER BY job_execution_id
            """;

    static final String STATUS = "SELECT status FROM batch_job_execution WHERE job_execution_id = :id";

    static final Pattern EXECUTION_ID = Pattern.compile("\"executionId\"\\s*:\\s*(\\d+)");

    private final int evaluations = Integer.getInteger("flowbatch.cluster.evaluations", 30_000);

    private final HttpClient http = HttpClient.newHttpClient();

    private final Path logs = Path.of("target", "cluster");

    // Seconds instead of the defaults' half minute and minute, so a dead node is found
    // and a
    // drain ends within the test.
    private final TestCluster cluster = new TestCluster(logs,
            Map.of("flowbatch.execution.chunk-size", "100", "flowbatch.node.heartbeat", "PT1S",
                    "flowbatch.node.dead-after", "PT5S", "flowbatch.node.drain-timeout", "PT2S"));

    private final JdbcClient jdbc = cluster.jdbc;

    private final TestSmtpServer smtp = cluster.smtp;

    @BeforeEach
    void emptyEverything() {
        cluster.reset();
        // Slow enough per connection that the kill lands while partitions run.
        smtp.delayPerMessage(Duration.ofMillis(5));
    }

    @AfterEach
    void stopNodes() throws Exception {
        cluster.killAll();
        smtp.delayPerMessage(Duration.ZERO);
    }

    @AfterAll
    static void stopEmbeddedServices() {
        SharedServices.stopEmbedded();
    }

    @Test
    void threeNodesShareTheWorkAndSurviveAWorkerKilled() throws Exception {
        cluster.start("n1", "scheduler,worker");
        long after = cluster.lastExecutionId();
        jdbc.sql(Spike.TRUNCATE).update();
        List<Long> actions = cluster.node("n1").createFlows(ACTIONS, TestCluster.API_KEY);
        cluster.startTogether(Map.of("n2", "scheduler,worker", "n3", "worker"));
        Spike.seed(jdbc, evaluations, actions);

        // Kill the worker-only node while it runs partitions, a third of the way in.
        await().atMost(Duration.ofMinutes(3))
            .until(() -> smtp.countByMessageId().size() >= evaluations / 3 && runningPartitionsOf("n3") > 0);
        cluster.kill("n3");
        Set<Long> inFlight = new HashSet<>(jdbc.sql(IN_FLIGHT).query(Long.class).list());
        int receivedAtKill = smtp.countByMessageId().size();
        cluster.start("n3", "worker");

        await().atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> jdbc.sql(UNFINISHED).query(Long.class).single() == 0);

        List<Partition> partitions = partitions(after);
        List<Long> failed = jdbc.sql(FAILED_EXECUTIONS).param("after", after).query(Long.class).list();
        Map<Long, Long> restarted = new LinkedHashMap<>();
        for (long execution : failed) {
            restarted.put(execution, restartThroughAdminApi(execution));
        }
        List<Partition> afterRestarts = partitions(after);

        Map<String, Long> states = states();
        Map<String, Long> received = smtp.countByMessageId();
        Set<String> partitionNodes = new HashSet<>();
        partitions.forEach((partition) -> partitionNodes.add(partition.node()));
        List<Partition> failedOnN3 = partitions.stream()
            .filter((partition) -> partition.node().equals("n3") && partition.status().equals("FAILED"))
            .toList();
        String summary = String
            .format("CLUSTER: N %d over %d actions, 3 nodes; n3 killed at %d received with %d in flight; "
                    + "states %s; %d partitions on nodes %s (per node %s); managers %s; failed runs %s restarted as %s; "
                    + "%d Message-IDs received, %d twice%n", evaluations, ACTIONS, receivedAtKill, inFlight.size(),
                    states, partitions.size(), partitionNodes, perNode(partitions), managers(after), failed,
                    restarted.values(), received.size(),
                    received.values().stream().filter((count) -> count > 1).count());
        System.out.print(summary);
        Files.createDirectories(logs);
        Files.writeString(logs.resolve("summary.txt"), summary);

        assertThat(jdbc.sql(FIRE_TIMES_RUN_TWICE).param("after", after).query(String.class).list())
            .as("fire times run by more than one JobInstance")
            .isEmpty();
        jdbc.sql(EXECUTIONS_PER_INSTANCE).param("after", after).query((rs, row) -> {
            long instance = rs.getLong("job_instance_id");
            assertThat(rs.getLong("executions")).as("executions of JobInstance " + instance)
                .isEqualTo(restartedInstance(instance, restarted.keySet()) ? 2 : 1);
            return instance;
        }).list();
        assertThat(managers(after)).as("runs managed only by nodes with the scheduler role")
            .isNotEmpty()
            .doesNotContain("n3");
        assertThat(partitionNodes).as("nodes that ran partitions").hasSizeGreaterThanOrEqualTo(2);
        assertThat(failedOnN3).as("partitions n3 was running when it died, failed by the dead-node sweep")
            .isNotEmpty()
            .allSatisfy((partition) -> assertThat(partition.exitMessage()).contains("stopped sending heartbeats"));
        assertThat(received.entrySet()).as("Message-IDs received twice").noneMatch((entry) -> entry.getValue() > 1);
        assertThat(states.getOrDefault("SENT", 0L) + states.getOrDefault("IN_DOUBT", 0L))
            .as("every evaluation terminal")
            .isEqualTo(evaluations);
        assertThat(states.getOrDefault("IN_DOUBT", 0L)).as("IN_DOUBT against those in flight at the kill")
            .isLessThanOrEqualTo(inFlight.size());
        assertThat(received).as("every SENT evaluation received")
            .hasSizeGreaterThanOrEqualTo(states.getOrDefault("SENT", 0L).intValue());
        assertThat(failed).as("the run that lost n3's partitions").isNotEmpty();
        for (Map.Entry<Long, Long> restart : restarted.entrySet()) {
            assertThat(status(restart.getValue())).as("restart of " + restart.getKey()).isEqualTo("COMPLETED");
            Set<String> completedBefore = new HashSet<>();
            partitions.stream()
                .filter((partition) -> partition.jobExecutionId() == restart.getKey()
                        && partition.status().equals("COMPLETED"))
                .forEach((partition) -> completedBefore.add(partition.stepName()));
            assertThat(afterRestarts.stream()
                .filter((partition) -> partition.jobExecutionId() == restart.getValue())
                .map(Partition::stepName)).as("partitions the restart ran")
                .doesNotContainAnyElementsOf(completedBefore);
        }
    }

    /**
     * SIGTERM to the node managing the run while partitions run on both nodes: its run is
     * stopped at chunk boundaries and ends STOPPED (not FAILED: the node kept beating
     * until it ended), the other node finishes the work on the next minutes, nothing is
     * in doubt or received twice.
     */
    @Test
    void aManagerNodeDrainedMidRunStopsItsRunCleanly() throws Exception {
        int spike = 12_000;
        cluster.start("n1", "scheduler,worker");
        long after = cluster.lastExecutionId();
        jdbc.sql(Spike.TRUNCATE).update();
        List<Long> actions = cluster.node("n1").createFlows(ACTIONS, TestCluster.API_KEY);
        cluster.start("n2", "scheduler,worker");
        Spike.seed(jdbc, spike, actions);

        await().atMost(Duration.ofMinutes(3))
            .until(() -> smtp.countByMessageId().size() >= spike / 6 && runningPartitionsOf("n1") > 0
                    && runningPartitionsOf("n2") > 0 && !runningManagedBy(after).isEmpty());
        Map.Entry<Long, String> managed = runningManagedBy(after).entrySet().iterator().next();
        cluster.terminate(managed.getValue());
        await().atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> jdbc.sql(UNFINISHED).query(Long.class).single() == 0);

        Map<String, Long> states = states();
        List<Partition> ofDrainedRun = partitions(after).stream()
            .filter((partition) -> partition.jobExecutionId() == managed.getKey())
            .toList();
        String summary = String.format(
                "CLUSTER DRAIN: %s drained while managing execution %d; it ended %s; its partitions %s; "
                        + "states %s%n",
                managed.getValue(), managed.getKey(), status(managed.getKey()),
                ofDrainedRun.stream().map((partition) -> partition.node() + ":" + partition.status()).toList(), states);
        System.out.print(summary);
        Files.createDirectories(logs);
        Files.writeString(logs.resolve("drain-summary.txt"), summary);

        assertThat(status(managed.getKey())).as("the drained node's run").isEqualTo("STOPPED");
        assertThat(ofDrainedRun).as("its partitions")
            .isNotEmpty()
            .allSatisfy((partition) -> assertThat(partition.status()).isIn("COMPLETED", "STOPPED"));
        assertThat(states).as("every evaluation SENT, none in doubt").isEqualTo(Map.of("SENT", (long) spike));
        assertThat(smtp.countByMessageId()).hasSize(spike).allSatisfy((id, count) -> assertThat(count).isOne());
    }

    /**
     * Runs still running, by execution id, with the node managing each (the node of its
     * buffer step).
     */
    private Map<Long, String> runningManagedBy(long after) {
        Map<Long, String> managers = new LinkedHashMap<>();
        jdbc.sql(RUNNING_MANAGERS)
            .param("after", after)
            .query((rs, row) -> managers.put(rs.getLong("job_execution_id"), rs.getString("node")))
            .list();
        return managers;
    }

    private boolean restartedInstance(long instance, Set<Long> restartedExecutions) {
        return restartedExecutions.stream()
            .anyMatch((execution) -> jdbc
                .sql("SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = :id")
                .param("id", execution)
                .query(Long.class)
                .single() == instance);
    }

    private long restartThroughAdminApi(long execution) throws Exception {
        String basic = Base64.getEncoder()
            .encodeToString(("admin:" + TestCluster.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(HttpRequest
            .newBuilder(URI.create("http://127.0.0.1:" + cluster.node("n1").port() + "/api/admin/executions/"
                    + execution + "/restart"))
            .header("Authorization", "Basic " + basic)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        Matcher id = EXECUTION_ID.matcher(response.body());
        assertThat(id.find()).as(response.body()).isTrue();
        long restart = Long.parseLong(id.group(1));
        await().atMost(Duration.ofMinutes(2))
            .until(() -> !List.of("STARTING", "STARTED", "STOPPING").contains(status(restart)));
        return restart;
    }

    private String status(long execution) {
        return jdbc.sql(STATUS).param("id", execution).query(String.class).single();
    }

    private long runningPartitionsOf(String name) {
        return jdbc.sql(RUNNING_PARTITIONS_OF).param("name", name).query(Long.class).single();
    }

    private List<Partition> partitions(long after) {
        return jdbc.sql(PARTITIONS)
            .param("after", after)
            .query((rs, row) -> new Partition(rs.getLong("step_execution_id"), rs.getLong("job_execution_id"),
                    rs.getString("step_name"), rs.getString("status"), rs.getString("exit_message"),
                    rs.getString("node")))
            .list();
    }

    private Set<String> managers(long after) {
        return new HashSet<>(jdbc.sql(MANAGERS).param("after", after).query(String.class).list());
    }

    private static Map<String, Long> perNode(List<Partition> partitions) {
        Map<String, Long> perNode = new java.util.TreeMap<>();
        partitions.forEach((partition) -> perNode.merge(partition.node(), 1L, Long::sum));
        return perNode;
    }

    private Map<String, Long> states() {
        Map<String, Long> states = new LinkedHashMap<>();
        jdbc.sql(STATES).query((rs, row) -> states.put(rs.getString("state"), rs.getLong("n"))).list();
        return states;
    }

    /** One partition step execution and the node (by name) that ran it. */
    record Partition(long stepExecutionId, long jobExecutionId, String stepName, String status, String exitMessage,
            String node) {
    }

}
