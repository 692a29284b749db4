package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.evaluation.EvaluationStore;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Spike;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reliability promises (README, Reliability) against real failures: only failed items
 * are retried, a bad item fails alone, Redis may lose everything, a crash leaves IN_DOUBT
 * and never a second send, restart continues.
 */
@FlowbatchTest
class FailureModesTest {

    static final String HTML = "<p>Hi [[${customer.firstName}]]</p>";

    @Autowired
    Fixtures fixture;

    @Autowired
    JobOperator jobOperator;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    Step buffer;

    @Autowired
    EvaluationStore store;

    @Autowired
    Buckets buckets;

    @Autowired
    ExecutionProperties executionProperties;

    @Autowired
    DeadExecutions deadExecutions;

    @Autowired
    DeliveryProperties deliveryProperties;

    @Autowired
    Recovery recovery;

    long action;

    @BeforeEach
    void dueEvaluations() {
        fixture.reset();
        action = fixture.flow("Checkout", "Started Checkout", List.of("Placed Order"), ActionStatus.LIVE, HTML, "PT1H")
            .get(0);
    }

    @AfterEach
    void serverBack() {
        fixture.smtp().acceptConnections();
    }

    void due(int count) {
        fixture.customers(0, count);
        fixture.events("Started Checkout", 0, count, Instant.now().minus(Duration.ofHours(2)));
    }

    @Test
    void onlyTheItemsThatFailedAreRetriedAndPermanentFailuresFailAlone() throws Exception {
        due(200);
        for (int i = 10; i < 15; i++) {
            fixture.smtp().replyOnce(Fixtures.email(i), "451 4.3.0 try again later");
        }
        for (int i = 20; i < 23; i++) {
            fixture.smtp().replyAlways(Fixtures.email(i), "550 5.1.1 mailbox unavailable");
        }

        JobExecution execution = fixture.runMinute();

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(197);
        assertThat(fixture
            .count("state = 'FAILED' AND reason LIKE 'refused by the mail server: 550 5.1.1 mailbox unavailable%'"))
            .isEqualTo(3);
        assertThat(fixture.smtp().received()).hasSize(197);
        assertThat(fixture.smtp().countByMessageId().values()).allMatch((count) -> count == 1);
        assertThat(fixture.count("state = 'SENT' AND attempts = 1")).isEqualTo(197);
    }

    @Test
    void badDataSkipsThatItemAloneWithItsReason() throws Exception {
        fixture.data().reset();
        action = fixture
            .flow("Checkout", "Started Checkout", List.of(), ActionStatus.LIVE,
                    "<p th:text=\"${customer.properties['n']} * 2\">n</p>", "PT1H")
            .get(0);
        due(50);
        fixture.data().jdbc().sql("DELETE FROM customer WHERE email = 'customer1@example.com'").update();
        fixture.data()
            .jdbc()
            .sql("UPDATE customer SET email = 'not-an-address' WHERE email = 'customer2@example.com'")
            .update();
        fixture.data()
            .jdbc()
            .sql("UPDATE customer SET properties = '{\"n\": \"many\"}' WHERE email = 'customer3@example.com'")
            .update();

        JobExecution execution = fixture.runMinute();

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(47);
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'customer % no longer exists'")).isEqualTo(1);
        assertThat(fixture.count("state = 'SKIPPED' AND reason = 'invalid email address: not-an-address'"))
            .isEqualTo(1);
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'template did not render: %'")).isEqualTo(1);
        assertThat(fixture.smtp().received()).hasSize(47);
    }

    @Test
    void redisFlushedBetweenBufferAndExecuteStillSendsEachEvaluationOnce() throws Exception {
        due(120);
        jobOperator.start(new JobBuilder("buffer-only", jobRepository).start(buffer).build(),
                new JobParametersBuilder().addString("run", UUID.randomUUID().toString()).toJobParameters());
        assertThat(fixture.count("state = 'BUFFERED'")).isEqualTo(120);
        fixture.redis().execute((org.springframework.data.redis.core.RedisCallback<Object>) (connection) -> {
            connection.serverCommands().flushDb();
            return null;
        });

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.smtp().received()).isEmpty();
        assertThat(fixture.count("state = 'BUFFERED'")).isEqualTo(120);

        // Two schedule periods later the reconciler finds them missing from Redis.
        fixture.data()
            .jdbc()
            .sql("UPDATE evaluation SET updated_at = now() - interval '10 minutes' WHERE state = 'BUFFERED'")
            .update();
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("state = 'SENT'")).isEqualTo(120);
        assertThat(fixture.smtp().received()).hasSize(120);
        assertThat(fixture.smtp().countByMessageId().values()).allMatch((count) -> count == 1);
    }

    /**
     * More stale BUFFERED rows than one page of the reconciler: each page starts after
     * the last, so every id is pushed once and none is read twice.
     */
    @Test
    void theReconcilerPagesThroughStaleIdsBeyondOnePageEachOnce() {
        fixture.redis().delete(fixture.redis().keys("flowbatch:*"));
        Spike.seed(fixture.data().jdbc(), 25_000, List.of(action));
        fixture.data()
            .jdbc()
            .sql("UPDATE evaluation SET state = 'BUFFERED', updated_at = now() - interval '10 minutes'")
            .update();

        Recovery.Report report = recovery.recover();

        assertThat(report.repushed()).isEqualTo(25_000);
        assertThat(buckets.size(action)).isEqualTo(25_000);
        assertThat(fixture.count("state = 'BUFFERED' AND updated_at > now() - interval '1 minute'")).isEqualTo(25_000);
    }

    @Test
    void connectionLostInFlightLeavesThatMessageInDoubtAndSendsTheOthers() throws Exception {
        due(30);
        fixture.smtp().dropAfterData(Fixtures.email(5));

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("state = 'IN_DOUBT' AND reason LIKE 'may or may not have been sent: %'")).isEqualTo(1);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(29);
        assertThat(fixture.smtp().received()).hasSize(29);
    }

    @Test
    void aConnectionTheServerClosedBetweenMessagesIsReopenedAndNothingIsInDoubt() throws Exception {
        due(30);
        fixture.smtp().closeAfterAccepting(Fixtures.email(3));
        fixture.smtp().closeAfterAccepting(Fixtures.email(17));

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("state = 'SENT'")).isEqualTo(30);
        assertThat(fixture.smtp().received()).hasSize(30);
        assertThat(fixture.smtp().countByMessageId().values()).allMatch((count) -> count == 1);
    }

    /**
     * An end-of-data reply in 2xx other than 250 accepted the message: recorded FAILED, a
     * requeue would resend it.
     */
    @Test
    void anyTwoHundredReplyToTheEndOfDataIsAnAcceptance() throws Exception {
        due(10);
        fixture.smtp().endOfDataReply(Fixtures.email(3), "251 2.1.5 accepted, will forward");

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("state = 'SENT'")).isEqualTo(10);
        assertThat(fixture.count("state = 'FAILED'")).isZero();
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT count(*) FROM delivery_log WHERE smtp_reply LIKE '251%'")
            .query(Long.class)
            .single()).isEqualTo(1);
    }

    @Test
    void crashWhileSendingIsInDoubtUnderAtMostOnce() throws Exception {
        due(40);
        simulateCrashWhileSending(10);

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("state = 'IN_DOUBT' AND reason = '" + Recovery.IN_DOUBT_REASON + "'")).isEqualTo(10);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(30);
        assertThat(fixture.smtp().received()).hasSize(30);
    }

    @Test
    void crashWhileSendingIsResentWithTheSameMessageIdUnderAtLeastOnce() throws Exception {
        due(40);
        List<Long> inFlight = simulateCrashWhileSending(10);
        DeliveryProperties atLeastOnce = deliveryProperties.withGuarantee(DeliveryProperties.Guarantee.AT_LEAST_ONCE);

        Recovery.Report report = new Recovery(store, buckets, deadExecutions, atLeastOnce, executionProperties)
            .recover();
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(report.settledSending()).isEqualTo(10);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(40);
        Map<String, Long> received = fixture.smtp().countByMessageId();
        assertThat(received).hasSize(40).allSatisfy((messageId, count) -> assertThat(count).isEqualTo(1));
        assertThat(received).containsKeys(
                inFlight.stream().map((id) -> "<evaluation-" + id + "@flowbatch.local>").toArray(String[]::new));
    }

    @Test
    void restartOfAFailedMinuteSendsTheRestAndNothingTwice() throws Exception {
        due(100);
        fixture.smtp().refuseConnections();

        JobExecution failed = fixture.runMinute();

        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(failed.getAllFailureExceptions())
            .anySatisfy((ex) -> assertThat(ex).hasStackTraceContaining("The mail server could not be reached"));
        assertThat(fixture.count("state = 'BUFFERED'")).isEqualTo(100);
        assertThat(buckets.size(action)).isEqualTo(100);

        fixture.smtp().acceptConnections();
        JobExecution restarted = jobOperator.restart(failed);

        assertThat(restarted.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(restarted.getJobInstanceId()).isEqualTo(failed.getJobInstanceId());
        assertThat(restarted.getStepExecutions()).extracting((s) -> s.getStepName())
            .doesNotContain("buffer")
            .contains("executeAction:action-" + action);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(100);
        assertThat(fixture.smtp().received()).hasSize(100);
        assertThat(fixture.smtp().countByMessageId().values()).allMatch((count) -> count == 1);
    }

    /**
     * Claims {@code count} evaluations and marks them SENDING for a step execution that
     * then died.
     */
    private List<Long> simulateCrashWhileSending(int count) {
        return fixture.data().jdbc().sql("""
                UPDATE evaluation SET state = 'SENDING', claimed_by = -1
                WHERE id IN (SELECT id FROM evaluation ORDER BY id LIMIT :count)
                RETURNING id
                """).param("count", count).query(Long.class).list();
    }

}
