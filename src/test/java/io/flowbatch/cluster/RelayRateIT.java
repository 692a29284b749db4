package io.flowbatch.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.flowbatch.embedded.SharedServices;
import io.flowbatch.support.Spike;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the packaged jar, remote partitioning, against a relay limited to
 * {@code flowbatch.relays.default.rate} = 200 messages a second: the limit holds for both
 * together (Bucket4j's bucket in Redis). Reports the highest number of messages the relay
 * received in any 60 seconds, divided by 60, and the average from the first send to the
 * last. Run by {@code ./mvnw -Pcluster-benchmark verify -Dit.test=RelayRateIT}; writes
 * {@code target/bench/relay-rate.md}.
 */
@Tag("benchmark")
class RelayRateIT {

    static final int ACTIONS = 4;

    static final double RATE = 200;

    static final String UNFINISHED = """
            SELECT count(*) FROM evaluation WHERE state IN ('WAITING', 'BUFFERED', 'PROCESSING', 'SENDING')
            """;

    private final int evaluations = Integer.getInteger("flowbatch.relay.bench.evaluations", 24_000);

    @AfterAll
    static void stopEmbeddedServices() {
        SharedServices.stopEmbedded();
    }

    @Test
    void twoInstancesTogetherStayWithinTheRelaysRate() throws Exception {
        Path output = Path.of("target", "bench");
        TestCluster cluster = new TestCluster(output.resolve("relay-rate"),
                Map.of("flowbatch.relays.default.rate", Double.toString(RATE), "flowbatch.execution.threads", "4",
                        "spring.datasource.hikari.maximum-pool-size", "14"));
        cluster.reset();
        try {
            cluster.start("n1", "scheduler,worker");
            cluster.startTogether(Map.of("n2", "scheduler,worker"));
            cluster.jdbc.sql(Spike.TRUNCATE).update();
            List<Long> actions = cluster.node("n1").createFlows(ACTIONS, TestCluster.API_KEY);
            Spike.seed(cluster.jdbc, evaluations, actions);
            await().atMost(Duration.ofMinutes(15))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> cluster.jdbc.sql(UNFINISHED).query(Long.class).single() == 0);

            // When the relay accepted each message, by its clock (the delivery log's
            // times are when a window was recorded, up to a rate wait later).
            List<Long> accepted = cluster.smtp.acceptedAtNanos();
            long sent = accepted.size();
            long busiest = 0;
            for (int first = 0, last = 0; first < accepted.size(); first++) {
                long end = accepted.get(first) + Duration.ofSeconds(60).toNanos();
                while (last < accepted.size() && accepted.get(last) < end) {
                    last++;
                }
                busiest = Math.max(busiest, last - first);
            }
            double seconds = (accepted.get(accepted.size() - 1) - accepted.get(0)) / 1e9;
            String report = """
                    | instances | relay rate | evaluations | sent | failed | seconds (first to last received) | average received/s | busiest 60 s: messages, per second |
                    |---:|---:|---:|---:|---:|---:|---:|---:|
                    | 2 | %.0f/s | %,d | %,d | %d | %.1f | %.1f | %,d, %.2f |
                    """
                .formatted(RATE, evaluations, sent,
                        cluster.jdbc.sql("SELECT count(*) FROM evaluation WHERE state = 'FAILED'")
                            .query(Long.class)
                            .single(),
                        seconds, sent / seconds, busiest, busiest / 60.0);
            System.out.print(report);
            Files.createDirectories(output);
            Files.writeString(output.resolve("relay-rate.md"), report);
            assertThat(sent).isEqualTo(evaluations);
            assertThat(cluster.smtp.countByMessageId().values()).as("each once").allMatch((count) -> count == 1);
        }
        finally {
            cluster.killAll();
        }
    }

}
