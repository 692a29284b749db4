package io.flowbatch.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.delivery.MarketingSends;
import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.delivery.Relays;
import io.flowbatch.delivery.SendTally;
import io.flowbatch.delivery.TemplateSandbox;
import io.flowbatch.delivery.UnsubscribeLinks;
import io.flowbatch.evaluation.ClaimedEvaluation;
import io.flowbatch.evaluation.EvaluationStore;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.MutableClock;
import io.flowbatch.webhook.WebhookSender;
import io.flowbatch.support.Runs;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The fence around sending: a step execution taken for dead (its node paused or lost the
 * database for longer than its claim lease) claims, marks and hands over nothing more,
 * and recovery never hands out rows whose owner may still be sending them. Each test is
 * named after the hole it pins.
 */
@FlowbatchTest
class SendFencesTest {

    @Autowired
    Fixtures fixture;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    JobOperator jobOperator;

    @Autowired
    Step buffer;

    @Autowired
    EvaluationStore store;

    @Autowired
    Buckets buckets;

    @Autowired
    Recovery recovery;

    @Autowired
    ChunkLoader loader;

    @Autowired
    TemplateSandbox templates;

    @Autowired
    MessageFactory messages;

    @Autowired
    MarketingSends marketingSends;

    @Autowired
    SendTally tally;

    @Autowired
    WebhookSender webhookSender;

    @Autowired
    JsonMapper json;

    @Autowired
    UnsubscribeLinks unsubscribeLinks;

    @Autowired
    Relays relays;

    @Autowired
    ExecutionProperties executionProperties;

    @Autowired
    DeliveryProperties deliveryProperties;

    @Autowired
    JobMetrics metrics;

    @Autowired
    Clock clock;

    @Autowired
    ClaimLeases claimLeases;

    @Autowired
    MockMvc mvc;

    private final ChunkOutcomes outcomes = new ChunkOutcomes();

    long action;

    @BeforeEach
    void oneAction() {
        fixture.reset();
        action = fixture.checkoutFlow("Fences");
    }

    @AfterEach
    void releaseHeldMessages() {
        fixture.smtp().reset();
    }

    /**
     * D1: S claims a page, pauses past its lease, another node recovers the page (back to
     * BUFFERED, pushed again); S resumes. Before the fence its reader popped and claimed
     * the same ids again, the chunk held each twice, and the writer sent each twice.
     */
    @Test
    void d1AStepTakenForDeadMidPageClaimsNothingAgainAndSendsNothing() throws Exception {
        fixture.dueCheckouts(0, 5);
        bufferOnly();
        StepExecution step = partition();
        MutableClock time = new MutableClock(clock.instant());
        ClaimLeases leases = new ClaimLeases(jdbc, executionProperties, relays, time);
        ClaimLease lease = leases.open(step.getId());
        EvaluationReader reader = new EvaluationReader(action, step.getId(), 5, buckets, store, lease);
        List<ClaimedEvaluation> chunk = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            chunk.add(reader.read());
        }
        assertThat(fixture.count("state = 'PROCESSING' AND claimed_by = " + step.getId())).isEqualTo(5);

        // The pause: the lease runs out here and in the database; another node's sweep
        // fails the
        // step and the next run's recovery returns the page to the buffer.
        time.advance(executionProperties.claimLease());
        expireInDatabase(step.getId());
        markFailed(step);
        recovery.recover();
        assertThat(fixture.count("state = 'BUFFERED'")).isEqualTo(5);
        assertThat(buckets.size(action)).isEqualTo(5);

        // S wakes up: its next read refuses to pop, and the chunk it had cannot be marked
        // or sent.
        assertThatThrownBy(reader::read).isInstanceOf(ClaimLostException.class);
        writer(step.getId(), lease).write(deliveries(chunk));

        assertThat(fixture.smtp().received()).isEmpty();
        assertThat(buckets.size(action)).as("the ids stay in the bucket for the next run").isEqualTo(5);
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(5);
        assertThat(fixture.smtp().countByMessageId()).hasSize(5).allSatisfy((id, count) -> assertThat(count).isOne());
    }

    /**
     * D1, the database side: a lease the database holds expired claims nothing, whatever
     * the node believes.
     */
    @Test
    void d1AClaimNeedsTheLeaseInTheDatabaseAsWell() {
        fixture.dueCheckouts(0, 3);
        bufferOnly();
        StepExecution step = partition();
        ClaimLease lease = new ClaimLeases(jdbc, executionProperties, relays, clock).open(step.getId());
        expireInDatabase(step.getId());

        assertThat(lease.granted()).as("still valid locally").isTrue();
        assertThat(store.claim(action, step.getId(), jdbc.sql("SELECT id FROM evaluation").query(Long.class).list()))
            .isEmpty();
        assertThat(fixture.count("state = 'BUFFERED'")).isEqualTo(3);
    }

    /**
     * D1, the writer's own rule: one message per claimed id, whatever the chunk holds.
     */
    @Test
    void d1AChunkHoldingAnIdTwiceSendsItOnce() throws Exception {
        fixture.dueCheckouts(0, 3);
        bufferOnly();
        StepExecution step = partition();
        ClaimLease lease = new ClaimLeases(jdbc, executionProperties, relays, clock).open(step.getId());
        EvaluationReader reader = new EvaluationReader(action, step.getId(), 3, buckets, store, lease);
        List<ClaimedEvaluation> chunk = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            chunk.add(reader.read());
        }
        chunk.add(chunk.get(0));

        writer(step.getId(), lease).write(deliveries(chunk));

        assertThat(fixture.smtp().countByMessageId()).hasSize(3).allSatisfy((id, count) -> assertThat(count).isOne());
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(3);
    }

    /**
     * A message whose connection broke after its end of data may have been delivered:
     * under at-least-once it goes again later, and its smart-sending reservation stands
     * meanwhile. Given back (it was, as a retry's), another marketing email could reach
     * the customer within the window after this one did.
     */
    @Test
    void aMessageThatMayHaveLeftKeepsItsSmartSendingReservationWhenItIsToBeResent() throws Exception {
        fixture.dueCheckouts(0, 3);
        bufferOnly();
        StepExecution step = partition();
        ClaimLease lease = new ClaimLeases(jdbc, executionProperties, relays, clock).open(step.getId());
        EvaluationReader reader = new EvaluationReader(action, step.getId(), 3, buckets, store, lease);
        List<ClaimedEvaluation> chunk = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            chunk.add(reader.read());
        }
        fixture.smtp().dropAfterData(Fixtures.email(1));

        writer(step.getId(), lease, deliveryProperties.withGuarantee(DeliveryProperties.Guarantee.AT_LEAST_ONCE))
            .write(deliveries(chunk));

        assertThat(fixture.count("state = 'SENT'")).isEqualTo(2);
        assertThat(fixture.count("state = 'WAITING' AND reason LIKE 'resending with the same Message-ID%'"))
            .isEqualTo(1);
        assertThat(jdbc.sql("""
                SELECT count(*) FROM marketing_send m JOIN evaluation e ON e.id = ANY (m.evaluation_ids)
                WHERE e.action_id = :action
                """).param("action", action).query(Long.class).single()).as("every reservation stands").isEqualTo(3);
    }

    /**
     * D2: a sender pauses with a message on the wire; meanwhile its step is marked FAILED
     * (as a sweep or the stale-run check does), recovery runs, and an operator requeues
     * IN_DOUBT as the README says. Before the fence its SENDING rows became IN_DOUBT, the
     * requeue put them back, and both the next run and the resumed sender sent them.
     */
    @Test
    void d2APausedSendersRowsAreNeitherRecoveredNorRequeuedWhileItMaySend() throws Exception {
        fixture.dueCheckouts(0, 6);
        TestSmtpServer.Hold hold = fixture.smtp().holdAfterData(Fixtures.email(0));
        CompletableFuture<JobExecution> run = CompletableFuture.supplyAsync(() -> {
            try {
                return fixture.runMinute();
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        assertThat(hold.awaitArrival(Duration.ofSeconds(60))).as("the held message arrived").isTrue();
        // The other connections go on until their messages are in; they stay SENDING,
        // recorded with the chunk, which waits for the held one.
        await().atMost(Duration.ofSeconds(60)).until(() -> fixture.smtp().countByMessageId().size() == 5);
        long sending = fixture.count("state = 'SENDING'");
        assertThat(sending).isPositive();

        StepExecution partition = runningPartition();
        markFailed(partition);
        recovery.recover();
        assertThat(fixture.count("state = 'IN_DOUBT'")).as("nothing of a live sender is settled").isZero();
        assertThat(fixture.count("state = 'SENDING'")).isEqualTo(sending);
        mvc.perform(post("/api/admin/evaluations/requeue")
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD))
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"actionId\": %d, \"state\": \"IN_DOUBT\"}".formatted(action)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.requeued").value(0));
        assertThat(fixture.count("state = 'WAITING'")).as("nothing of the sender's was put back to send").isZero();

        hold.release();
        run.get(60, TimeUnit.SECONDS);
        assertThat(fixture.smtp().countByMessageId().values()).allSatisfy((count) -> assertThat(count).isOne());

        // The sender's grace passes; what its failed chunk left SENDING is settled
        // IN_DOUBT, and the
        // operator follows the README: every one of them is in the mail server's log.
        jdbc.sql(
                "UPDATE claim_lease SET expires_at = now() - send_grace - interval '1 second' WHERE step_execution_id = :s")
            .param("s", partition.getId())
            .update();
        recovery.recover();
        List<Long> inDoubt = jdbc.sql("SELECT id FROM evaluation WHERE state = 'IN_DOUBT'").query(Long.class).list();
        assertThat(fixture.smtp().countByMessageId()).containsKeys(
                inDoubt.stream().map((id) -> "<evaluation-" + id + "@flowbatch.local>").toArray(String[]::new));
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state IN ('SENT', 'IN_DOUBT')")).isEqualTo(6);
        assertThat(fixture.smtp().countByMessageId()).hasSize(6).allSatisfy((id, count) -> assertThat(count).isOne());
    }

    /**
     * D2, the operator's side: an IN_DOUBT row is requeued only once its sender can no
     * longer send it.
     */
    @Test
    void d2AnInDoubtRequeueWaitsUntilItsSenderCanNoLongerSend() throws Exception {
        fixture.dueCheckouts(0, 1);
        StepExecution step = partition();
        claimLeases.open(step.getId());
        long id = jdbc.sql("UPDATE evaluation SET state = 'IN_DOUBT', claimed_by = :s RETURNING id")
            .param("s", step.getId())
            .query(Long.class)
            .single();
        try {
            mvc.perform(requeue(id))
                .andExpect(jsonPath("$.requeued").value(0))
                .andExpect(jsonPath("$.refusals[0].id").value(id))
                .andExpect(jsonPath("$.refusals[0].reason")
                    .value(org.hamcrest.Matchers.containsString("may still hand it to the mail server until")));

            claimLeases.release(step.getId());
            mvc.perform(requeue(id)).andExpect(jsonPath("$.requeued").value(0));

            jdbc.sql(
                    "UPDATE claim_lease SET expires_at = now() - send_grace - interval '1 second' WHERE step_execution_id = :s")
                .param("s", step.getId())
                .update();
            mvc.perform(requeue(id)).andExpect(jsonPath("$.requeued").value(1));
        }
        finally {
            claimLeases.release(step.getId());
            markFailed(step);
        }
    }

    private static org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder requeue(long id) {
        return post("/api/admin/evaluations/requeue")
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD))
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"ids\": [%d]}".formatted(id));
    }

    /**
     * Renewal keeps a lease of a progressing step; one that ran out, or whose step hung,
     * ends for good.
     */
    @Test
    void aLeaseIsRenewedOnlyWhileLiveAndWhileItsStepProgresses() {
        ClaimLeases leases = new ClaimLeases(jdbc, executionProperties, relays, clock);
        StepExecution progressing = partition();
        StepExecution expired = partition();
        StepExecution hung = partition();
        ClaimLease live = leases.open(progressing.getId());
        ClaimLease ranOut = leases.open(expired.getId());
        ClaimLease stuck = leases.open(hung.getId());
        expireInDatabase(expired.getId());
        jdbc.sql("UPDATE batch_step_execution SET last_updated = :old WHERE step_execution_id = :s")
            .param("old", LocalDateTime.now().minus(executionProperties.staleAfter()).minusMinutes(1))
            .param("s", hung.getId())
            .update();

        leases.renew();

        assertThat(live.granted()).isTrue();
        assertThat(ranOut.granted()).isFalse();
        assertThat(stuck.granted()).isFalse();
        assertThat(
                jdbc.sql("SELECT count(*) FROM claim_lease WHERE step_execution_id IN (:a, :b) AND expires_at > now()")
                    .param("a", expired.getId())
                    .param("b", hung.getId())
                    .query(Long.class)
                    .single())
            .isOne();
        for (StepExecution step : List.of(progressing, expired, hung)) {
            leases.release(step.getId());
            markFailed(step);
        }
    }

    /**
     * A step ended by its own thread releases its lease: nothing is kept waiting on a
     * live node's beat.
     */
    @Test
    void aFinishedStepReleasesItsLease() throws Exception {
        fixture.dueCheckouts(0, 3);
        JobExecution run = fixture.runMinute();

        assertThat(run.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(jdbc.sql("""
                SELECT count(*) FROM claim_lease l JOIN batch_step_execution s USING (step_execution_id)
                WHERE s.job_execution_id = :job AND l.released_at IS NOT NULL AND l.expires_at <= now()
                """).param("job", run.getId()).query(Long.class).single()).isEqualTo(1);
        assertThat(claimLeases
            .of(run.getStepExecutions()
                .stream()
                .filter((s) -> s.getStepName().startsWith(Partitions.PARTITION_STEP))
                .findFirst()
                .orElseThrow()
                .getId())
            .granted()).isFalse();
    }

    private void bufferOnly() {
        try {
            jobOperator.start(new JobBuilder("buffer-only", jobRepository).start(buffer).build(),
                    new JobParametersBuilder().addString("run", UUID.randomUUID().toString()).toJobParameters());
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private StepExecution partition() {
        JobExecution run = Runs.recorded(jobRepository, LocalDateTime.of(2032, 1, 1, 0, 0), BatchStatus.STARTED);
        StepExecution step = jobRepository.createStepExecution("executeAction:action-" + action, run);
        step.setStatus(BatchStatus.STARTED);
        jobRepository.update(step);
        return step;
    }

    private StepExecution runningPartition() {
        long id = jdbc.sql("""
                SELECT step_execution_id FROM batch_step_execution
                WHERE step_name = :name AND status = 'STARTED' ORDER BY step_execution_id DESC LIMIT 1
                """).param("name", "executeAction:action-" + action).query(Long.class).single();
        return jobRepository.getStepExecution(id);
    }

    private void markFailed(StepExecution step) {
        step.setStatus(BatchStatus.FAILED);
        step.setEndTime(LocalDateTime.now());
        jobRepository.update(step);
    }

    private void expireInDatabase(long stepExecutionId) {
        jdbc.sql("UPDATE claim_lease SET expires_at = now() - interval '1 second' WHERE step_execution_id = :step")
            .param("step", stepExecutionId)
            .update();
    }

    private DeliveryWriter writer(long stepExecutionId, ClaimLease lease) {
        return writer(stepExecutionId, lease, deliveryProperties);
    }

    private DeliveryWriter writer(long stepExecutionId, ClaimLease lease, DeliveryProperties delivery) {
        return new DeliveryWriter(action, stepExecutionId, store, buckets, relays, outcomes, delivery, clock, metrics,
                lease, marketingSends, tally, webhookSender);
    }

    private Chunk<Delivery> deliveries(List<ClaimedEvaluation> claimed) {
        EvaluationProcessor processor = new EvaluationProcessor(action, loader, templates, messages, marketingSends,
                unsubscribeLinks, outcomes, true, json);
        processor.beforeChunk(new Chunk<>(claimed));
        return new Chunk<>(claimed.stream().map(processor::process).filter(Objects::nonNull).toList());
    }

}
