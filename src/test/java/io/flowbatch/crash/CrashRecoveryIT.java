package io.flowbatch.crash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.flowbatch.embedded.SharedServices;
import io.flowbatch.support.ChildApplication;
import io.flowbatch.support.Spike;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The crash suite: the packaged application as a child process on real PostgreSQL and
 * Redis and a counting SMTP server, N due evaluations over several actions, SIGKILLed K
 * times at random moments of the work and started again each time, then left to finish.
 * Every evaluation must end terminal or IN_DOUBT; at most once, no Message-ID arrives
 * twice and IN_DOUBT never exceeds what was in flight at the kills; at least once, every
 * evaluation arrives and duplicates are only among those in flight. CI runs N = 5,000, K
 * = 3; {@code -Dflowbatch.crash.evaluations} and {@code -Dflowbatch.crash.kills} scale it
 * (README, Reliability).
 */
class CrashRecoveryIT {

    static final String STATES = "SELECT state, count(*) AS n FROM evaluation GROUP BY state";

    /**
     * At a kill, what was being sent: the rows whose message may or may not have left.
     */
    static final String IN_FLIGHT = "SELECT id FROM evaluation WHERE state = 'SENDING'";

    static final String UNFINISHED = """
            SELECT count(*) FROM evaluation WHERE state IN ('WAITING', 'BUFFERED', 'PROCESSING', 'SENDING')
            """;

    static final String SENT_IDS = "SELECT id FROM evaluation WHERE state = 'SENT'";

    static final Pattern EVALUATION_IN_MESSAGE_ID = Pattern.compile("evaluation-(\\d+)@");

    private final int evaluations = Integer.getInteger("flowbatch.crash.evaluations", 5_000);

    private final int kills = Integer.getInteger("flowbatch.crash.kills", 3);

    private final Random random = new Random(Long.getLong("flowbatch.crash.seed", System.nanoTime()));

    private final SharedServices services = SharedServices.resolve(Path.of("target", "crash-services"));

    private final TestSmtpServer smtp = TestSmtpServer.shared();

    private JdbcClient jdbc;

    private ChildApplication child;

    @BeforeEach
    void emptyEverything() {
        SimpleDriverDataSource dataSource = new SimpleDriverDataSource(new org.postgresql.Driver(), services.jdbcUrl(),
                services.username(), "");
        jdbc = JdbcClient.create(dataSource);
        smtp.reset();
        smtp.countOnly();
        // Slow enough that the kills land in the middle of the work, not after it.
        smtp.delayPerMessage(Duration.ofMillis(Long.getLong("flowbatch.crash.smtp-delay-ms", 8)));
        services.deleteFlowbatchKeys();
    }

    @AfterEach
    void stopChild() throws Exception {
        if (child != null) {
            child.kill();
        }
        smtp.delayPerMessage(Duration.ZERO);
    }

    @AfterAll
    static void stopEmbeddedServices() {
        SharedServices.stopEmbedded();
    }

    @Test
    void atMostOnceSurvivesKillsWithoutASecondSend() throws Exception {
        Outcome outcome = crashRepeatedly("at-most-once");

        assertThat(outcome.duplicated()).as("Message-IDs received twice").isEmpty();
        assertThat(outcome.states().getOrDefault("IN_DOUBT", 0L))
            .as("IN_DOUBT against %d in flight at the kills", outcome.inFlight().size())
            .isLessThanOrEqualTo(outcome.inFlight().size());
        assertThat(outcome.received()).as("every SENT evaluation was received").containsAll(outcome.sent());
        assertThat(outcome.states().getOrDefault("SENT", 0L) + outcome.states().getOrDefault("IN_DOUBT", 0L))
            .as("lost evaluations: none")
            .isEqualTo(evaluations);
    }

    @Test
    void atLeastOnceSendsEverythingAndRepeatsOnlyWhatWasInFlight() throws Exception {
        Outcome outcome = crashRepeatedly("at-least-once");

        assertThat(outcome.states()).as("every evaluation SENT").containsEntry("SENT", (long) evaluations);
        assertThat(outcome.received()).as("every evaluation received at least once").hasSize(evaluations);
        assertThat(outcome.inFlight()).as("duplicates only among those in flight at the kills")
            .containsAll(outcome.duplicated());
    }

    private Outcome crashRepeatedly(String guarantee) throws Exception {
        Path jar = Path.of(System.getProperty("flowbatch.jar", "target/flowbatch.jar"));
        assertThat(jar).as("the packaged application (run through ./mvnw verify)").exists();
        Map<String, String> settings = settings(guarantee);
        Path logs = Path.of("target", "crash", guarantee);
        // The other guarantee's killed child is still a live node for dead-after: this
        // one would refuse to join it.
        jdbc.sql("DO $$ BEGIN IF to_regclass('node') IS NOT NULL THEN DELETE FROM node; END IF; END $$").update();
        child = ChildApplication.start(jar, settings, logs.resolve("start-0.log"), Duration.ofMinutes(2));
        jdbc.sql(Spike.TRUNCATE).update();
        Spike.seed(jdbc, evaluations, child.createFlows(4, "crash-api-key"));

        Set<Long> inFlight = new HashSet<>();
        for (int kill = 1; kill <= kills; kill++) {
            // Wait for the work to be under way, then a random moment of it: buffering,
            // claiming,
            // rendering, sending or writing outcomes.
            if (kill == 1) {
                await().atMost(Duration.ofMinutes(2)).until(() -> !smtp.countByMessageId().isEmpty());
            }
            Thread.sleep(200 + random.nextInt(2_500));
            child.kill();
            Set<Long> sending = new HashSet<>(jdbc.sql(IN_FLIGHT).query(Long.class).list());
            inFlight.addAll(sending);
            System.out.printf("CRASH %s kill %d: %d in flight, states %s, %d received%n", guarantee, kill,
                    sending.size(), states(), smtp.countByMessageId().size());
            child = ChildApplication.start(jar, settings, logs.resolve("start-" + kill + ".log"),
                    Duration.ofMinutes(2));
        }
        await().atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> jdbc.sql(UNFINISHED).query(Long.class).single() == 0);

        Map<String, Long> received = smtp.countByMessageId();
        Set<Long> receivedEvaluations = new HashSet<>();
        Set<Long> duplicated = new HashSet<>();
        received.forEach((messageId, count) -> {
            long id = evaluationOf(messageId);
            receivedEvaluations.add(id);
            if (count > 1) {
                duplicated.add(id);
            }
        });
        Outcome outcome = new Outcome(states(), inFlight, receivedEvaluations, duplicated,
                new HashSet<>(jdbc.sql(SENT_IDS).query(Long.class).list()));
        String summary = String.format(
                "CRASH %s: N %d, kills %d, states %s, in flight at the kills %d, received %d, " + "received twice %d%n",
                guarantee, evaluations, kills, outcome.states(), inFlight.size(), receivedEvaluations.size(),
                duplicated.size());
        System.out.print(summary);
        Files.writeString(logs.resolve("summary.txt"), summary);
        return outcome;
    }

    private Map<String, String> settings(String guarantee) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.datasource.url", services.jdbcUrl());
        settings.put("spring.datasource.username", services.username());
        settings.put("spring.data.redis.url", services.redisUrl());
        settings.put("spring.mail.host", "127.0.0.1");
        settings.put("spring.mail.port", Integer.toString(smtp.port()));
        settings.put("flowbatch.embedded.enabled", "false");
        settings.put("flowbatch.demo.enabled", "false");
        settings.put("flowbatch.security.api-key", "crash-api-key");
        settings.put("flowbatch.security.admin-password", "crash-admin-password");
        settings.put("flowbatch.delivery.guarantee", guarantee);
        // Every two seconds instead of every minute, so the suite takes seconds between
        // kills.
        settings.put("flowbatch.schedule.cron", "0/2 * * * * ?");
        settings.put("flowbatch.execution.chunk-size", "100");
        // Two connections per partition and windows of 10, as the in-doubt figures of the
        // README are measured with: at most a window per connection is in doubt at a
        // kill.
        settings.put("flowbatch.delivery.smtp-connections", "2");
        settings.put("flowbatch.delivery.in-flight-window", "10");
        // Claims of a killed process are recovered a lease (and, SENDING, the grace)
        // after its last
        // renewal: short here, so the suite does not wait the production half minute at
        // every kill.
        settings.put("flowbatch.execution.claim-lease", "PT3S");
        settings.put("spring.mail.properties.mail.smtp.timeout", "3000");
        settings.put("spring.mail.properties.mail.smtp.writetimeout", "3000");
        settings.put("flowbatch.execution.send-grace", "PT7S");
        return settings;
    }

    private Map<String, Long> states() {
        Map<String, Long> states = new LinkedHashMap<>();
        jdbc.sql(STATES).query((rs, row) -> states.put(rs.getString("state"), rs.getLong("n"))).list();
        return states;
    }

    private static long evaluationOf(String messageId) {
        Matcher matcher = EVALUATION_IN_MESSAGE_ID.matcher(messageId);
        assertThat(matcher.find()).as("an evaluation id in " + messageId).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    /**
     * What the run left.
     *
     * @param states evaluations by state
     * @param inFlight evaluations that were SENDING at one of the kills
     * @param received evaluations whose message arrived
     * @param duplicated evaluations whose message arrived more than once
     * @param sent evaluations SENT
     */
    record Outcome(Map<String, Long> states, Set<Long> inFlight, Set<Long> received, Set<Long> duplicated,
            Set<Long> sent) {
    }

}
