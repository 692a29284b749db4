package io.flowbatch.faults;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.flowbatch.admin.ExecutionOperations;
import io.flowbatch.embedded.SharedServices;
import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.execution.Recovery;
import io.flowbatch.support.StandaloneFlowbatch;
import io.flowbatch.support.TcpProxy;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each dependency failing in the middle of a run: Redis flushed, Redis gone and back,
 * PostgreSQL gone and back (both cut at a TCP proxy, which is what a client sees of a
 * killed or restarted server; each outage lasts until the run it hit has ended), the mail
 * server refusing connections, answering a random 5 % with 4xx and 1 % with 5xx, and
 * stalling mid-DATA. Each run ends with totals that reconcile (sent + skipped + failed +
 * in doubt = created), no Message-ID received twice (at-most-once), only what failed
 * retried, and a failed minute that restarts to completion.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DependencyFaultsTest {

    static final int EVALUATIONS = 2_000;

    /**
     * At most one chunk (100) per partition running, and at most
     * {@code flowbatch.execution.threads} (4) run at once, whichever actions they serve:
     * a deep bucket is split over every thread.
     */
    static final long IN_FLIGHT = 4 * 100L;

    static final String STATES = "SELECT state, count(*) AS n FROM evaluation GROUP BY state";

    static final String UNFINISHED = """
            SELECT count(*) FROM evaluation WHERE state IN ('WAITING', 'BUFFERED', 'PROCESSING', 'SENDING')
            """;

    static final String LAST_EXECUTION = "SELECT max(job_execution_id) FROM batch_job_execution";

    static final String RECIPIENTS = "SELECT c.email FROM evaluation e JOIN customer c ON c.id = e.customer_id ORDER BY e.id";

    private final TestSmtpServer smtp = TestSmtpServer.shared();

    private TcpProxy database;

    private TcpProxy redis;

    private ConfigurableApplicationContext app;

    private JdbcClient jdbc;

    @BeforeAll
    void start() throws Exception {
        SharedServices services = SharedServices.resolve(Path.of("target", "embedded-services"));
        URI db = URI.create(services.jdbcUrl().substring("jdbc:".length()));
        URI cache = URI.create(services.redisUrl());
        database = new TcpProxy(db.getHost(), db.getPort(), 0);
        redis = new TcpProxy(cache.getHost(), cache.getPort(), 0);
        String query = (db.getRawQuery() != null) ? "?" + db.getRawQuery() : "";
        Map<String, String> settings = new LinkedHashMap<>();
        // Fail fast while a dependency is away, so that each scenario takes seconds.
        settings.put("spring.datasource.hikari.connection-timeout", "2000");
        settings.put("spring.data.redis.timeout", "2s");
        settings.put("spring.mail.properties.mail.smtp.timeout", "2000");
        settings.put("spring.mail.properties.mail.smtp.connectiontimeout", "2000");
        settings.put("spring.mail.properties.mail.smtp.writetimeout", "2000");
        // A partition cut off from the database for longer than its lease is fenced; its
        // SENDING
        // rows are settled a send grace after the lease ended.
        settings.put("flowbatch.execution.claim-lease", "PT5S");
        settings.put("flowbatch.execution.send-grace", "PT5S");
        settings.put("flowbatch.execution.chunk-size", "100");
        settings.put("flowbatch.execution.reconcile-after", "PT1S");
        settings.put("flowbatch.execution.stale-after", "PT5S");
        app = StandaloneFlowbatch.start("jdbc:postgresql://127.0.0.1:" + database.port() + db.getRawPath() + query,
                services.username(), "redis://127.0.0.1:" + redis.port(), settings);
        jdbc = app.getBean(JdbcClient.class);
    }

    @AfterAll
    void stop() throws Exception {
        app.close();
        database.close();
        redis.close();
        smtp.reset();
    }

    @BeforeEach
    void seed() throws Exception {
        database.heal();
        redis.heal();
        smtp.reset();
        smtp.countOnly();
        // Slow enough that a fault lands in the middle of the run.
        smtp.delayPerMessage(Duration.ofMillis(2));
        StandaloneFlowbatch.seedSpike(app, EVALUATIONS, 2);
    }

    @Test
    void redisFlushedMidRun() throws Exception {
        Run run = startRun();
        awaitReceived(300);
        app.getBean(StringRedisTemplate.class)
            .execute((org.springframework.data.redis.core.RedisCallback<Object>) (c) -> {
                c.serverCommands().flushAll();
                return null;
            });
        finish(run);

        Map<String, Long> states = reconcile();
        assertThat(states).containsEntry("SENT", (long) EVALUATIONS);
    }

    @Test
    void redisGoneUntilTheRunFailed() throws Exception {
        goneMidRun(redis);

        Map<String, Long> states = reconcile();
        assertThat(states).containsEntry("SENT", (long) EVALUATIONS);
    }

    @Test
    void postgresGoneUntilTheApplicationTriedToReconnect() throws Exception {
        Run run = startRun();
        awaitReceived(300);
        int refusedBefore = database.refused();
        database.cut();
        // Back as soon as the application has found it gone: the run fails on a database
        // that
        // is there again, typically ending UNKNOWN, which recovery settles as FAILED.
        await().atMost(Duration.ofMinutes(1)).until(() -> database.refused() > refusedBefore);
        database.heal();
        finish(run);

        Map<String, Long> states = reconcile();
        assertThat(states.getOrDefault("IN_DOUBT", 0L)).isLessThanOrEqualTo(IN_FLIGHT);
        assertThat(states.getOrDefault("SENT", 0L) + states.getOrDefault("IN_DOUBT", 0L)).isEqualTo(EVALUATIONS);
    }

    @Test
    void postgresGoneUntilTheRunFailed() throws Exception {
        goneMidRun(database);

        Map<String, Long> states = reconcile();
        // What was being sent when the database went away may be in doubt; nothing else.
        assertThat(states.getOrDefault("IN_DOUBT", 0L)).isLessThanOrEqualTo(IN_FLIGHT);
        assertThat(states.getOrDefault("SENT", 0L) + states.getOrDefault("IN_DOUBT", 0L)).isEqualTo(EVALUATIONS);
    }

    @Test
    void mailServerRefusingConnectionsMidRun() throws Exception {
        Run run = startRun();
        awaitReceived(300);
        smtp.refuseConnections();
        awaitEnded(run);
        smtp.acceptConnections();
        finish(run);

        Map<String, Long> states = reconcile();
        assertThat(states).containsEntry("SENT", (long) EVALUATIONS);
    }

    @Test
    void mailServerAnsweringSomeWith4xxAndFewWith5xx() throws Exception {
        List<String> recipients = jdbc.sql(RECIPIENTS).query(String.class).list();
        Random random = new Random(42);
        List<String> permanent = new ArrayList<>();
        int transient4xx = 0;
        for (String recipient : recipients) {
            double roll = random.nextDouble();
            if (roll < 0.01) {
                smtp.replyAlways(recipient, "550 5.1.1 no such user");
                permanent.add(recipient);
            }
            else if (roll < 0.06) {
                smtp.replyOnce(recipient, "451 4.3.0 try again later");
                transient4xx++;
            }
        }
        finish(startRun());

        Map<String, Long> states = reconcile();
        assertThat(transient4xx).isGreaterThan(50);
        assertThat(states).containsEntry("FAILED", (long) permanent.size())
            .containsEntry("SENT", (long) (EVALUATIONS - permanent.size()));
        assertThat(jdbc.sql("SELECT count(*) FROM evaluation WHERE state = 'FAILED' AND reason LIKE '%550%'")
            .query(Long.class)
            .single()).isEqualTo(permanent.size());
    }

    @Test
    void mailServerStallingMidData() throws Exception {
        List<String> recipients = jdbc.sql(RECIPIENTS).query(String.class).list();
        smtp.stallAfterData(recipients.get(500));
        finish(startRun());

        Map<String, Long> states = reconcile();
        // Only the stalled message is in doubt: the server may have taken it.
        assertThat(states).containsEntry("IN_DOUBT", 1L).containsEntry("SENT", (long) EVALUATIONS - 1);
    }

    /**
     * How the run ended. A run that lost its database cannot even record its end: its
     * execution stays marked running, as after a crash, until it has been silent for
     * stale-after and the recovery before a later minute marks it FAILED (called here
     * directly, minute by minute).
     */
    private JobExecution ended(Run run) throws Exception {
        try {
            return run.execution().get(2, TimeUnit.MINUTES);
        }
        catch (ExecutionException ex) {
            System.out.printf("FAULTS the run could not record its end (%s); recovering it%n",
                    ex.getCause().getMessage());
            JobRepository jobs = app.getBean(JobRepository.class);
            Recovery recovery = app.getBean(Recovery.class);
            // The pool may still be replacing its broken connections: retried until it
            // answers.
            return await().atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .until(() -> {
                    recovery.recover();
                    return jobs.getJobExecution(jdbc.sql(LAST_EXECUTION).query(Long.class).single());
                }, (execution) -> !execution.isRunning());
        }
    }

    /**
     * The outage lasts until the run it hit has ended: whatever it does about it, it did.
     */
    private static void awaitEnded(Run run) {
        await().atMost(Duration.ofMinutes(1)).until(run.execution()::isDone);
    }

    private void goneMidRun(TcpProxy dependency) throws Exception {
        Run run = startRun();
        awaitReceived(300);
        dependency.cut();
        awaitEnded(run);
        dependency.heal();
        finish(run);
    }

    /** Every evaluation settled, the totals add up, and no Message-ID arrived twice. */
    private Map<String, Long> reconcile() {
        Map<String, Long> states = new LinkedHashMap<>();
        jdbc.sql(STATES).query((rs, row) -> states.put(rs.getString("state"), rs.getLong("n"))).list();
        System.out.printf("FAULTS %s: %s, %d received%n", Thread.currentThread().getStackTrace()[2].getMethodName(),
                states, smtp.countByMessageId().size());
        assertThat(states.keySet())
            .allMatch((state) -> List.of("SENT", "SKIPPED", "FAILED", "IN_DOUBT").contains(state));
        assertThat(states.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(EVALUATIONS);
        assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
        assertThat((long) smtp.countByMessageId().size()).isGreaterThanOrEqualTo(states.getOrDefault("SENT", 0L));
        return states;
    }

    private Run startRun() {
        Instant fireTime = Instant.parse("2033-01-01T00:00:00Z")
            .plusMillis(System.currentTimeMillis() % 1_000_000_000L);
        return new Run(CompletableFuture.supplyAsync(() -> {
            try {
                return app.getBean(FlowExecutionLauncher.class).runScheduled(fireTime);
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }));
    }

    private void awaitReceived(int count) {
        await().atMost(Duration.ofMinutes(1)).until(() -> smtp.countByMessageId().size() >= count);
    }

    /**
     * Waits for the run; a failed minute is restarted the way an operator does (the admin
     * restart) until it completes, and later minutes run until no evaluation is left
     * unsettled.
     */
    private void finish(Run run) throws Exception {
        JobExecution execution = ended(run);
        for (int attempt = 0; execution.getStatus() != BatchStatus.COMPLETED && attempt < 5; attempt++) {
            System.out.printf("FAULTS execution %d %s: %s; restarting%n", execution.getId(), execution.getStatus(),
                    execution.getExitStatus().getExitDescription().lines().findFirst().orElse(""));
            long restarted = app.getBean(ExecutionOperations.class).restart(execution.getId());
            JobRepository jobs = app.getBean(JobRepository.class);
            await().atMost(Duration.ofMinutes(2)).until(() -> !jobs.getJobExecution(restarted).isRunning());
            execution = jobs.getJobExecution(restarted);
        }
        assertThat(execution.getStatus()).as("the failed minute, restarted").isEqualTo(BatchStatus.COMPLETED);
        // Further minutes, each past reconcile-after (PT1S) so it pushes ids Redis lost
        // back to
        // their bucket, until nothing is left unsettled.
        await().atMost(Duration.ofMinutes(1))
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(1_100))
            .untilAsserted(() -> {
                if (jdbc.sql(UNFINISHED).query(Long.class).single() > 0) {
                    assertThat(startRun().execution().get(2, TimeUnit.MINUTES).getStatus())
                        .isEqualTo(BatchStatus.COMPLETED);
                }
                assertThat(jdbc.sql(UNFINISHED).query(Long.class).single())
                    .as("evaluations left unsettled: %s", jdbc.sql(STATES).query().listOfRows())
                    .isZero();
            });
    }

    private record Run(CompletableFuture<JobExecution> execution) {
    }

}
