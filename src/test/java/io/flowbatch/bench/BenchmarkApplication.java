package io.flowbatch.bench;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.support.StandaloneFlowbatch;
import io.flowbatch.support.StatementCounter;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * flowbatch started for one benchmark run ({@link StandaloneFlowbatch}) on the given
 * (possibly proxied) PostgreSQL and Redis, sending to the benchmark's sink
 * ({@link BenchSink}). Seeds a spike over a few actions, runs a contender to completion
 * and verifies every evaluation SENT exactly once.
 */
final class BenchmarkApplication implements AutoCloseable {

    /** The peer's table, if an earlier run left one. */
    static final String DROP_PEER_TABLE = "DROP TABLE IF EXISTS scheduled_tasks";

    static final String COUNT_SENT = "SELECT count(*) FROM evaluation WHERE state = 'SENT'";

    private final ConfigurableApplicationContext app;

    private final JdbcClient jdbc;

    private final BenchSink smtp;

    private final double smtpLatencyMs;

    private int actions;

    BenchmarkApplication(Endpoints endpoints, Contender contender, int chunkSize) {
        this(endpoints, contender, chunkSize, Map.of());
    }

    BenchmarkApplication(Endpoints endpoints, Contender contender, int chunkSize, Map<String, String> settings) {
        this.smtp = BenchSink.current();
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.put("flowbatch.execution.mode", (contender == Contender.PER_ITEM) ? "per-item" : "batched");
        all.put("flowbatch.execution.chunk-size", Integer.toString(chunkSize));
        all.put("spring.mail.port", Integer.toString(endpoints.smtpPort()));
        this.app = StandaloneFlowbatch.start(endpoints.jdbcUrl(), endpoints.username(), endpoints.redisUrl(), all);
        this.smtpLatencyMs = endpoints.smtpLatencyMs();
        this.jdbc = app.getBean(JdbcClient.class);
    }

    /**
     * Empties flowbatch's tables and keys, then seeds N due evaluations over the given
     * number of actions.
     */
    void seed(int n, int actionCount) throws Exception {
        seed(n, actionCount, false);
    }

    /**
     * The spike; with {@code controls}, every delivery control on (see
     * StandaloneFlowbatch).
     */
    void seed(int n, int actionCount, boolean controls) throws Exception {
        jdbc.sql(DROP_PEER_TABLE).update();
        StandaloneFlowbatch.seedSpike(app, n, actionCount, controls);
        this.actions = actionCount;
        smtp.reset();
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
                // What the Quartz trigger calls, with a fire time of its own for every
                // run.
                JobExecution execution = app.getBean(FlowExecutionLauncher.class)
                    .runScheduled(Instant.parse("2032-01-01T00:00:00Z")
                        .plusMillis(System.currentTimeMillis() % 1_000_000_000L));
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
        smtp.assertReceived(n);
        return new Measurement(contender, latencyMs, smtpLatencyMs, actions, chunkSize, n, seconds,
                statements / (double) n, redisCommands / (double) n, sampler.peakHeapMb(), sampler.peakRssMb(),
                sampler.jvmCpuSeconds(), sampler.postgresCpuSeconds());
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
    /**
     * Where the application finds its services; {@code smtpPort} is the sink's, or a
     * proxy's in front of it that adds {@code smtpLatencyMs} of round trip.
     */
    record Endpoints(String jdbcUrl, String username, String redisUrl, int smtpPort, double smtpLatencyMs) {
    }

}
