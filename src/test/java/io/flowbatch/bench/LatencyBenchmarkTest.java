package io.flowbatch.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import io.flowbatch.FlowbatchApplication;
import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Batched against per-item with PostgreSQL and Redis one round trip away: every byte to and from
 * them goes through a {@link LatencyProxy} ({@code -Dflowbatch.bench.latency-ms}, default 1). The
 * write-up's gain came from round trips; cloud databases are not on loopback. Needs the machine's
 * services (FLOWBATCH_TEST_DATASOURCE_URL, FLOWBATCH_TEST_REDIS_URL). Writes
 * {@code target/bench/latency.json} and {@code .md}.
 */
@Tag("benchmark")
class LatencyBenchmarkTest {

    static final String SEED = """
            INSERT INTO customer (email, first_name, last_name, properties)
            SELECT 'bench' || g || '@example.com', 'First' || g, 'Last' || g, jsonb_build_object('tier', 'gold')
            FROM generate_series(1, :n) g;
            INSERT INTO event (customer_id, metric, properties, occurred_at)
            SELECT c.id, 'Started Checkout', jsonb_build_object('cartUrl', 'https://shop.example.com/cart/' || c.id,
                   'cartValue', '42.50', 'itemCount', 2), now() - interval '2 hours' FROM customer c;
            """;

    static final String DUE = """
            INSERT INTO evaluation (action_id, customer_id, event_id, flow_started_at, due_at)
            SELECT :action, e.customer_id, e.id, e.occurred_at, now() - interval '1 minute' FROM event e
            """;

    static final String TRUNCATE = "TRUNCATE evaluation, delivery_log, event, action, template, flow, customer";

    /** The peer's table, if an earlier run left one. */
    static final String DROP_PEER_TABLE = "DROP TABLE IF EXISTS scheduled_tasks";

    @Test
    void batchedAgainstPerItemOneRoundTripAway() throws Exception {
        String jdbcUrl = System.getenv("FLOWBATCH_TEST_DATASOURCE_URL");
        String redisUrl = System.getenv("FLOWBATCH_TEST_REDIS_URL");
        assumeTrue(jdbcUrl != null && redisUrl != null,
                "The latency benchmark proxies the machine's PostgreSQL and Redis: set FLOWBATCH_TEST_DATASOURCE_URL "
                        + "and FLOWBATCH_TEST_REDIS_URL");
        double latency = Double.parseDouble(System.getProperty("flowbatch.bench.latency-ms", "1"));
        URI database = URI.create(jdbcUrl.substring("jdbc:".length()));
        URI redis = URI.create(redisUrl);
        List<String> rows = new ArrayList<>();
        try (LatencyProxy databaseProxy = new LatencyProxy(database.getHost(), database.getPort(), latency);
                LatencyProxy redisProxy = new LatencyProxy(redis.getHost(), redis.getPort(), latency)) {
            String proxiedJdbc = "jdbc:postgresql://127.0.0.1:" + databaseProxy.port() + database.getPath();
            String proxiedRedis = "redis://127.0.0.1:" + redisProxy.port();
            rows.add(run("batched", Integer.getInteger("flowbatch.bench.latency-evaluations", 10_000), latency,
                    proxiedJdbc, proxiedRedis));
            rows.add(run("per-item", Integer.getInteger("flowbatch.bench.latency-per-item-evaluations", 1_000), latency,
                    proxiedJdbc, proxiedRedis));
            rows.add(run("db-scheduler", Integer.getInteger("flowbatch.bench.latency-peer-evaluations", 2_000), latency,
                    proxiedJdbc, proxiedRedis));
        }
        Path dir = Path.of("target", "bench");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("latency.md"),
                "| mode | latency | evaluations | seconds | evaluations/s |\n|---|---|---|---|---|\n"
                        + String.join("\n", rows.stream().map((r) -> r.split("\t")[0]).toList()) + "\n");
        Files.writeString(dir.resolve("latency.json"), "[" + String.join(",", rows.stream().map((r) -> r.split("\t")[1])
            .toList()) + "]\n");
    }

    private String run(String mode, int n, double latency, String jdbcUrl, String redisUrl) throws Exception {
        TestSmtpServer smtp = TestSmtpServer.shared();
        smtp.reset();
        smtp.countOnly();
        Properties settings = new Properties();
        settings.put("spring.main.web-application-type", "none");
        settings.put("spring.datasource.url", jdbcUrl);
        settings.put("spring.datasource.username",
                System.getenv().getOrDefault("FLOWBATCH_TEST_DATASOURCE_USERNAME", "postgres"));
        settings.put("spring.data.redis.url", redisUrl);
        settings.put("spring.mail.host", "127.0.0.1");
        settings.put("spring.mail.port", Integer.toString(smtp.port()));
        settings.put("flowbatch.embedded.enabled", "false");
        settings.put("flowbatch.execution.mode", "per-item".equals(mode) ? "per-item" : "batched");
        settings.put("spring.quartz.auto-startup", "false");
        settings.put("spring.quartz.scheduler-name", "bench-latency-" + UUID.randomUUID());
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(FlowbatchApplication.class)
            .properties(settings)
            .run()) {
            JdbcClient jdbc = app.getBean(JdbcClient.class);
            StringRedisTemplate redis = app.getBean(StringRedisTemplate.class);
            jdbc.sql(TRUNCATE).update();
            jdbc.sql(DROP_PEER_TABLE).update();
            Set<String> keys = redis.keys("flowbatch:*");
            if (keys != null && !keys.isEmpty()) {
                redis.delete(keys);
            }
            String html = new ClassPathResource("templates/email/abandoned-checkout.html")
                .getContentAsString(StandardCharsets.UTF_8);
            long action = app.getBean(FlowService.class)
                .create(new FlowRequest("Latency", new FlowRequest.Trigger("Started Checkout"), List.of("Placed Order"),
                        null, List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                                new FlowRequest.Email("Shop <shop@example.com>", "Hi [[${customer.firstName}]]", html,
                                        "Your cart is waiting")))))
                .actions().get(0).id();
            jdbc.sql(SEED).param("n", n).update();
            jdbc.sql(DUE).param("action", action).update();

            double seconds;
            if ("db-scheduler".equals(mode)) {
                seconds = new DbSchedulerPeer(app).run(action, 4);
            }
            else {
                long start = System.nanoTime();
                JobExecution execution = app.getBean(FlowExecutionLauncher.class)
                    .runScheduled(Instant.parse("2032-01-01T00:00:00Z").plusNanos(System.nanoTime() % 1_000_000_000L));
                seconds = (System.nanoTime() - start) / 1e9;
                assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
            }
            assertThat(jdbc.sql("SELECT count(*) FROM evaluation WHERE state = 'SENT'").query(Long.class).single())
                .isEqualTo(n);
            assertThat(smtp.countByMessageId()).hasSize(n);
            assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
            System.out.printf("%nBENCHMARK %s at %.1f ms round trip: %,d evaluations in %.2f s = %,.0f evaluations/s%n%n",
                    mode, latency, n, seconds, n / seconds);
            return String.format(Locale.ROOT, "| %s | %.1f ms | %,d | %.2f | %,.0f |\t{\"mode\":\"%s\",\"latencyMs\":%.1f,"
                    + "\"evaluations\":%d,\"seconds\":%.3f,\"evaluationsPerSecond\":%.1f}", mode, latency, n, seconds,
                    n / seconds, mode, latency, n, seconds, n / seconds);
        }
    }

}
