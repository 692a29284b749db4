package io.flowbatch.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.flowbatch.embedded.SharedServices;
import io.flowbatch.support.Spike;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Throughput with one, two and three instances of the packaged jar on this machine, all
 * roles, remote partitioning, one spike of N due evaluations over 12 actions each time,
 * after a warm-up spike on the same instances; a single instance with local partitioning
 * as the reference. Also measured: how busy the machine's CPU was, and the CPU the
 * instances and the SMTP sink spent per 1,000 evaluations. Run by
 * {@code ./mvnw -Pcluster-benchmark
 * verify}; writes {@code target/bench/cluster.md} (README, Performance).
 */
@Tag("benchmark")
class ClusterThroughputIT {

    static final int ACTIONS = 12;

    static final String SEND_WINDOW = "SELECT min(sent_at) AS first, max(sent_at) AS last, count(*) AS n FROM delivery_log";

    static final String PARTITIONS_PER_NODE = """
            SELECT regexp_replace(n.node_id, '-[0-9a-f]{8}$', '') AS node, count(*) AS partitions
            FROM step_execution_node n JOIN batch_step_execution s ON s.step_execution_id = n.step_execution_id
            WHERE s.job_execution_id > :after AND s.step_name LIKE 'executeAction:%' GROUP BY 1
            """;

    static final String UNFINISHED = """
            SELECT count(*) FROM evaluation WHERE state IN ('WAITING', 'BUFFERED', 'PROCESSING', 'SENDING')
            """;

    private final int evaluations = Integer.getInteger("flowbatch.cluster.bench.evaluations", 30_000);

    private final int warmup = Integer.getInteger("flowbatch.cluster.bench.warmup", 20_000);

    /** Partition threads per instance (flowbatch.execution.threads). */
    private final int threads = Integer.getInteger("flowbatch.cluster.bench.threads", 4);

    private final List<Integer> nodeCounts = Arrays
        .stream(System.getProperty("flowbatch.cluster.bench.nodes", "1,2,3").split(","))
        .map(String::strip)
        .map(Integer::parseInt)
        .toList();

    private final Path output = Path.of("target", "bench");

    @AfterAll
    static void stopEmbeddedServices() {
        SharedServices.stopEmbedded();
    }

    @Test
    void throughputWithOneTwoAndThreeInstances() throws Exception {
        List<Row> rows = new ArrayList<>();
        rows.add(measure("local", 1, Map.of("flowbatch.execution.partitioning", "local")));
        for (int nodes : nodeCounts) {
            rows.add(measure("remote", nodes, Map.of()));
        }
        StringBuilder report = new StringBuilder(
                """
                        | partitioning | instances × threads | evaluations | seconds (first to last send) | sent/s | machine CPU busy | flowbatch CPU s per 1,000 | SMTP sink CPU s per 1,000 | partitions per node |
                        |---|---:|---:|---:|---:|---:|---:|---:|---|
                        """);
        rows.forEach((row) -> report.append("| %s | %d × %d | %,d | %.1f | %,.0f | %.0f %% | %.2f | %.2f | %s |%n"
            .formatted(row.partitioning(), row.nodes(), threads, row.sent(), row.seconds(), row.sent() / row.seconds(),
                    100 * row.busy(), row.nodesCpuPerThousand(), row.sinkCpuPerThousand(), row.partitionsPerNode())));
        System.out.print(report);
        Files.createDirectories(output);
        Files.writeString(output.resolve("cluster.md"), report);
    }

    private Row measure(String partitioning, int nodes, Map<String, String> settings) throws Exception {
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.put("flowbatch.execution.threads", Integer.toString(threads));
        all.put("spring.datasource.hikari.maximum-pool-size", Integer.toString(2 * threads + 6));
        TestCluster cluster = new TestCluster(output.resolve("cluster-" + partitioning + "-" + nodes), all);
        cluster.reset();
        try {
            cluster.start("n1", "scheduler,worker");
            Map<String, String> others = new LinkedHashMap<>();
            for (int i = 2; i <= nodes; i++) {
                others.put("n" + i, "scheduler,worker");
            }
            cluster.startTogether(others);
            if (warmup > 0) {
                // Every JVM compiles the hot paths and fills its template cache on a
                // first spike first.
                drain(cluster, warmup);
            }
            long after = cluster.lastExecutionId();
            cluster.jdbc.sql(Spike.TRUNCATE).update();
            List<Long> actions = cluster.node("n1").createFlows(ACTIONS, TestCluster.API_KEY);
            Duration nodesBefore = cluster.cpuOfNodes();
            Duration sinkBefore = ownCpu();
            long[] machineBefore = machineCpu();
            Spike.seed(cluster.jdbc, evaluations, actions);
            awaitDone(cluster);
            double nodesCpu = cluster.cpuOfNodes().minus(nodesBefore).toMillis() / 1000.0;
            double sinkCpu = ownCpu().minus(sinkBefore).toMillis() / 1000.0;
            long[] machineAfter = machineCpu();
            double busy = (double) (machineAfter[0] - machineBefore[0])
                    / Math.max(1, (machineAfter[0] - machineBefore[0]) + (machineAfter[1] - machineBefore[1]));

            Map<String, Object> window = cluster.jdbc.sql(SEND_WINDOW).query().singleRow();
            long sent = ((Number) window.get("n")).longValue();
            double seconds = Duration
                .between(((java.sql.Timestamp) window.get("first")).toInstant(),
                        ((java.sql.Timestamp) window.get("last")).toInstant())
                .toMillis() / 1000.0;
            Map<String, Long> perNode = new TreeMap<>();
            cluster.jdbc.sql(PARTITIONS_PER_NODE)
                .param("after", after)
                .query((rs, row) -> perNode.put(rs.getString("node"), rs.getLong("partitions")))
                .list();
            assertThat(sent).as("every evaluation sent").isEqualTo(evaluations);
            assertThat(cluster.smtp.countByMessageId().values()).as("each once").allMatch((count) -> count == 1);
            System.out.printf("CLUSTER BENCH %s x%d: %d sent in %.1f s (%s)%n", partitioning, nodes, sent, seconds,
                    OffsetDateTime.now());
            return new Row(partitioning, nodes, sent, seconds, perNode, busy, 1000 * nodesCpu / sent,
                    1000 * sinkCpu / sent);
        }
        finally {
            cluster.killAll();
        }
    }

    private static void drain(TestCluster cluster, int spike) throws Exception {
        cluster.jdbc.sql(Spike.TRUNCATE).update();
        Spike.seed(cluster.jdbc, spike, cluster.node("n1").createFlows(ACTIONS, TestCluster.API_KEY));
        awaitDone(cluster);
    }

    private static void awaitDone(TestCluster cluster) {
        await().atMost(Duration.ofMinutes(15))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> cluster.jdbc.sql(UNFINISHED).query(Long.class).single() == 0);
    }

    /** The test JVM's CPU time: the SMTP sink, mostly. */
    private static Duration ownCpu() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * The machine's busy and idle jiffies since boot, from /proc/stat ({0, 0} elsewhere).
     */
    private static long[] machineCpu() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            long total = 0;
            for (int i = 1; i < fields.length; i++) {
                total += Long.parseLong(fields[i]);
            }
            return new long[] { total - idle, idle };
        }
        catch (java.io.IOException | RuntimeException ex) {
            return new long[] { 0, 0 };
        }
    }

    /**
     * One configuration's figures.
     *
     * @param busy share of the machine's CPU in use from the seed to the last evaluation
     * done
     * @param nodesCpuPerThousand CPU seconds all flowbatch instances spent per 1,000
     * evaluations
     * @param sinkCpuPerThousand CPU seconds the in-process SMTP sink spent per 1,000
     * evaluations
     */
    record Row(String partitioning, int nodes, long sent, double seconds, Map<String, Long> partitionsPerNode,
            double busy, double nodesCpuPerThousand, double sinkCpuPerThousand) {
    }

}
