package io.flowbatch.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import io.flowbatch.FlowbatchApplication;
import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.support.Spike;
import io.flowbatch.support.StatementCounter;
import io.flowbatch.support.TestSmtpServer;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * flowbatch started for one benchmark run: its own application context on the given (possibly
 * proxied) PostgreSQL and Redis, sending to the in-process counting sink, with every SQL statement
 * counted. Seeds a {@link Spike} over a few actions, runs a contender to completion and verifies
 * every evaluation SENT exactly once.
 */
final class BenchmarkApplication implements AutoCloseable {

    /** The peer's table, if an earlier run left one. */
    static final String DROP_PEER_TABLE = "DROP TABLE IF EXISTS scheduled_tasks";

    static final String COUNT_SENT = "SELECT count(*) FROM evaluation WHERE state = 'SENT'";

    static final String TEMPLATE = "templates/email/abandoned-checkout.html";

    private final ConfigurableApplicationContext app;

    private final JdbcClient jdbc;

    private final TestSmtpServer smtp;

    BenchmarkApplication(Endpoints endpoints, Contender contender, int chunkSize) {
        this.smtp = TestSmtpServer.shared();
        Properties settings = new Properties();
        settings.put("spring.main.web-application-type", "none");
        settings.put("spring.main.banner-mode", "off");
        settings.put("spring.datasource.url", endpoints.jdbcUrl());
        settings.put("spring.datasource.username", endpoints.username());
        settings.put("spring.data.redis.url", endpoints.redisUrl());
        settings.put("spring.mail.host", "127.0.0.1");
        settings.put("spring.mail.port", Integer.toString(smtp.port()));
        settings.put("flowbatch.embedded.enabled", "false");
        settings.put("flowbatch.execution.mode", (contender == Contender.PER_ITEM) ? "per-item" : "batched");
        settings.put("flowbatch.execution.chunk-size", Integer.toString(chunkSize));
        settings.put("spring.quartz.auto-startup", "false");
        settings.put("spring.quartz.scheduler-name", "bench-" + UUID.randomUUID());
        settings.put("logging.level.io.flowbatch", "WARN");
        this.app = new SpringApplicationBuilder(FlowbatchApplication.class, StatementCounter.class).properties(settings)
            .run();
        this.jdbc = app.getBean(JdbcClient.class);
    }

    /** Empties flowbatch's tables and keys, then seeds N due evaluations over the given number of actions. */
    void seed(int n, int actionCount) throws Exception {
        jdbc.sql(Spike.TRUNCATE).update();
        jdbc.sql(DROP_PEER_TABLE).update();
        StringRedisTemplate redis = app.getBean(StringRedisTemplate.class);
        Set<String> keys = redis.keys("flowbatch:*");
        if (keys != null && !keys.isEmpty()) {
            redis.delete(keys);
        }
        String html = new ClassPathResource(TEMPLATE).getContentAsString(StandardCharsets.UTF_8);
        List<Long> actions = new ArrayList<>();
        for (int i = 0; i < actionCount; i++) {
            actions.add(app.getBean(FlowService.class)
                .create(new FlowRequest("Bench " + i, new FlowRequest.Trigger("Started Checkout " + i),
                        List.of("Placed Order"), null,
                        List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                                new FlowRequest.Email("Shop <shop@example.com>", "Hi [[${customer.firstName}]]", html,
                                        "Your cart is waiting")))))
                .actions()
                .get(0)
                .id());
        }
        Spike.seed(jdbc, n, actions);
        smtp.reset();
        smtp.countOnly();
    }

    /** Runs the contender over the seeded evaluations and measures it. */
    Measurement run(Contender contender, int n, double latencyMs, int chunkSize) throws Exception {
        StatementCounter.keepText(false);
        StatementCounter.reset();
        long redisBefore = redisCommands();
        double seconds;
        ResourceSampler sampler = new ResourceSampler();
        try {
            long start = System.nanoTime();
            if (contender == Contender.DB_SCHEDULER) {
                new DbSchedulerPeer(app).run(4);
            }
            else {
                // What the Quartz trigger calls, with a fire time of its own for every run.
                JobExecution execution = app.getBean(FlowExecutionLauncher.class)
                    .runScheduled(Instant.parse("2032-01-01T00:00:00Z").plusMillis(System.currentTimeMillis() % 1_000_000_000L));
                assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
            }
            seconds = (System.nanoTime() - start) / 1e9;
        }
        finally {
            sampler.close();
        }
        long statements = StatementCounter.executed();
        // Less the INFO that read the second figure.
        long redisCommands = redisCommands() - redisBefore - 1;
        StatementCounter.keepText(true);
        assertThat(jdbc.sql(COUNT_SENT).query(Long.class).single()).isEqualTo(n);
        assertThat(smtp.countByMessageId()).hasSize(n);
        assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
        return new Measurement(contender, latencyMs, chunkSize, n, seconds, statements / (double) n,
                redisCommands / (double) n, sampler.peakHeapMb(), sampler.peakRssMb());
    }

    <T> T bean(Class<T> type) {
        return app.getBean(type);
    }

    /** The commands Redis has processed since it started, from its own statistics. */
    long redisCommands() {
        try (RedisConnection connection = app.getBean(RedisConnectionFactory.class).getConnection()) {
            Properties stats = connection.serverCommands().info("stats");
            return Long.parseLong(stats.getProperty("total_commands_processed").strip());
        }
    }

    /** Redis's and PostgreSQL's versions, for the report. */
    String versions() {
        try (RedisConnection connection = app.getBean(RedisConnectionFactory.class).getConnection()) {
            String redis = connection.serverCommands().info("server").getProperty("redis_version");
            String postgres = jdbc.sql("SHOW server_version").query(String.class).single();
            return "PostgreSQL " + postgres + ", Redis " + redis;
        }
    }

    @Override
    public void close() {
        app.close();
    }

    /** PostgreSQL and Redis as the application sees them. */
    record Endpoints(String jdbcUrl, String username, String redisUrl) {
    }

}
