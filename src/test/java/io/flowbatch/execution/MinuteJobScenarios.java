package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The minute job end to end: real PostgreSQL, Redis and SMTP server, side effects
 * asserted. Run in both modes: {@link BatchedMinuteJobTest} and
 * {@link PerItemMinuteJobTest}.
 */
abstract class MinuteJobScenarios {

    static final String CHECKOUT_HTML = """
            <p>Hi [[${customer.firstName}]], <a th:href="${event.properties['cartUrl']}">your cart</a></p>
            <a th:href="${unsubscribeUrl}">unsubscribe</a>
            """;

    @Autowired
    Fixtures fixture;

    @Autowired
    org.springframework.batch.core.repository.JobRepository jobRepository;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void executesTwoThousandEvaluationsOverThreeActionsWithTheRightOutcomes() throws Exception {
        long checkout = fixture
            .flow("Checkout", "Started Checkout", List.of("Placed Order"), ActionStatus.LIVE, CHECKOUT_HTML, "PT1H")
            .get(0);
        List<Long> browse = fixture.flow("Browse", "Viewed Product", List.of(), ActionStatus.LIVE, CHECKOUT_HTML,
                "PT30M", "PT1H");
        long draft = fixture.flow("Welcome", "Signed Up", List.of(), ActionStatus.DRAFT, CHECKOUT_HTML, "PT0S").get(0);
        Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
        fixture.customers(0, 1000);
        fixture.events("Started Checkout", 0, 1000, twoHoursAgo);
        fixture.events("Viewed Product", 0, 700, twoHoursAgo);
        fixture.events("Signed Up", 700, 1000, twoHoursAgo);
        // Ordered after the checkout started: those 100 leave the flow. Ordered before:
        // no effect.
        fixture.events("Placed Order", 0, 100, twoHoursAgo.plus(Duration.ofMinutes(30)));
        fixture.events("Placed Order", 100, 110, twoHoursAgo.minus(Duration.ofMinutes(30)));
        fixture.data()
            .jdbc()
            .sql("UPDATE customer SET subscription = 'UNSUBSCRIBED' WHERE email LIKE 'customer99_@%'")
            .update();
        assertThat(fixture.count("true")).isEqualTo(2000);

        JobExecution execution = fixture.runMinute();

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(states(checkout)).isEqualTo(Map.of("SENT", 890L, "SKIPPED", 110L));
        assertThat(fixture.count("action_id = " + checkout
                + " AND reason = 'flow filter: customer did ''Placed Order'' since the flow started'"))
            .isEqualTo(100);
        assertThat(fixture.count("action_id = " + checkout + " AND reason = 'customer unsubscribed'")).isEqualTo(10);
        assertThat(states(browse.get(0))).isEqualTo(Map.of("SENT", 700L));
        assertThat(states(browse.get(1))).isEqualTo(Map.of("WAITING", 700L));
        assertThat(fixture.count("action_id = " + browse.get(1) + " AND due_at > now() + interval '55 minutes'"))
            .isEqualTo(700);
        assertThat(states(draft)).isEqualTo(Map.of("SKIPPED", 300L));
        assertThat(fixture.count("action_id = " + draft + " AND reason = 'action is a draft'")).isEqualTo(300);

        List<TestSmtpServer.Received> received = fixture.smtp().received();
        assertThat(received).hasSize(1590);
        assertThat(fixture.smtp().countByMessageId().values()).allMatch((count) -> count == 1);
        List<Long> sentIds = fixture.data()
            .jdbc()
            .sql("SELECT id FROM evaluation WHERE state = 'SENT'")
            .query(Long.class)
            .list();
        assertThat(received).extracting(TestSmtpServer.Received::messageId)
            .containsExactlyInAnyOrderElementsOf(
                    sentIds.stream().map((id) -> "<evaluation-" + id + "@flowbatch.local>").toList());
        assertThat(fixture.data().count("delivery_log")).isEqualTo(1590);

        // As recorded in the JobRepository: a remote partition's counts never reach the
        // manager's objects.
        execution = jobRepository.getJobExecution(execution.getId());
        List<StepExecution> checkoutPartitions = partitions(execution, checkout);
        assertThat(checkoutPartitions.stream().mapToLong(StepExecution::getReadCount).sum()).isEqualTo(1000);
        assertThat(checkoutPartitions.stream().mapToLong(StepExecution::getFilterCount).sum()).isEqualTo(110);
        assertThat(checkoutPartitions.stream().mapToLong(StepExecution::getWriteCount).sum()).isEqualTo(890);
        StepExecution buffer = execution.getStepExecutions()
            .stream()
            .filter((s) -> s.getStepName().equals("buffer"))
            .findFirst()
            .orElseThrow();
        assertThat(buffer.getWriteCount()).isEqualTo(1700);
        assertThat(buffer.getFilterCount()).isEqualTo(300);
    }

    /**
     * Smart sending holds whichever partitions run the two actions (threads here, nodes
     * through the channel in the remote variant): each customer gets one message.
     */
    @Test
    void twoSmartSendingActionsDueTogetherSendOneMessagePerCustomer() throws Exception {
        for (String name : List.of("Browse abandonment", "Cart abandonment")) {
            fixture.flows()
                .create(new FlowRequest(name, new FlowRequest.Trigger(Fixtures.TRIGGER), List.of(), null,
                        List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                                new FlowRequest.Email("Shop <shop@example.com>", name, CHECKOUT_HTML, null),
                                ActionKind.MARKETING, true))));
        }
        fixture.dueCheckouts(0, 150);

        fixture.runMinute();

        assertThat(fixture.smtp().received()).hasSize(150);
        assertThat(fixture.smtp().received()).extracting(TestSmtpServer.Received::recipient).doesNotHaveDuplicates();
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'smart sending: %'")).isEqualTo(150);
    }

    /**
     * An order confirmation goes to a customer who unsubscribed from marketing, without
     * unsubscribe headers; never to a suppressed address. The marketing action of the
     * same customers skips the unsubscribed one.
     */
    @Test
    void aTransactionalEmailReachesUnsubscribedCustomersButNoSuppressedAddress() throws Exception {
        long confirmation = fixture.flows()
            .create(new FlowRequest("Order confirmation", new FlowRequest.Trigger("Placed Order"), List.of(), null,
                    List.of(new FlowRequest.ActionRequest(Duration.ZERO, ActionStatus.LIVE,
                            new FlowRequest.Email("Shop <shop@example.com>", "Your order", "<p>Thanks</p>", null),
                            ActionKind.TRANSACTIONAL, null))))
            .actions()
            .get(0)
            .id();
        long marketing = fixture.flow("Win-back", "Placed Order", List.of(), ActionStatus.LIVE, CHECKOUT_HTML, "PT0S")
            .get(0);
        fixture.customers(0, 3);
        fixture.data()
            .jdbc()
            .sql("UPDATE customer SET subscription = 'UNSUBSCRIBED' WHERE email = :email")
            .param("email", Fixtures.email(1))
            .update();
        fixture.data()
            .jdbc()
            .sql("UPDATE customer SET suppressed_at = now(), suppression_reason = 'hard bounce' WHERE email = :email")
            .param("email", Fixtures.email(2))
            .update();
        fixture.events("Placed Order", 0, 3, Instant.now().minus(Duration.ofMinutes(5)));

        fixture.runMinute();

        assertThat(states(confirmation)).isEqualTo(Map.of("SENT", 2L, "SKIPPED", 1L));
        assertThat(fixture.count("action_id = " + confirmation + " AND reason = 'customer suppressed: hard bounce'"))
            .isEqualTo(1);
        assertThat(states(marketing)).isEqualTo(Map.of("SENT", 1L, "SKIPPED", 2L));
        List<TestSmtpServer.Received> confirmations = fixture.smtp()
            .received()
            .stream()
            .filter((received) -> "Your order".equals(received.header("Subject")))
            .toList();
        assertThat(confirmations).extracting(TestSmtpServer.Received::recipient)
            .containsExactlyInAnyOrder(Fixtures.email(0), Fixtures.email(1));
        assertThat(confirmations).allSatisfy((received) -> assertThat(received.header("List-Unsubscribe")).isNull());
    }

    @Test
    void everyMessageCarriesItsHeadersAndRenderedContent() throws Exception {
        long action = fixture.flow("Checkout", "Started Checkout", List.of(), ActionStatus.LIVE, CHECKOUT_HTML, "PT1H")
            .get(0);
        fixture.customers(7, 8);
        fixture.events("Started Checkout", 7, 8, Instant.now().minus(Duration.ofHours(2)));
        long evaluationId = fixture.data()
            .jdbc()
            .sql("SELECT id FROM evaluation WHERE action_id = " + action)
            .query(Long.class)
            .single();

        fixture.runMinute();

        TestSmtpServer.Received received = fixture.smtp().received().get(0);
        MimeMessage message = received.parse();
        assertThat(message.getMessageID()).isEqualTo("<evaluation-" + evaluationId + "@flowbatch.local>");
        assertThat(received.header(MessageFactory.EVALUATION_HEADER)).isEqualTo(Long.toString(evaluationId));
        assertThat(received.header("List-Unsubscribe")).matches("<http://localhost:8080/u/\\d+\\.[A-Za-z0-9_-]+>");
        assertThat(received.header("List-Unsubscribe-Post")).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(message.getSubject()).isEqualTo("Hi First7");
        assertThat(message.getAllRecipients()[0].toString()).isEqualTo("First7 Last7 <customer7@example.com>");
        MimeMultipart parts = (MimeMultipart) message.getContent();
        assertThat(parts.getContentType()).startsWith("multipart/alternative");
        assertThat((String) parts.getBodyPart(0).getContent()).isEqualTo("Hello First7");
        assertThat((String) parts.getBodyPart(1).getContent()).contains("Hi First7",
                "href=\"https://shop.example.com/cart/7\"", "href=\"http://localhost:8080/u/");
    }

    /**
     * Statements per evaluation, counted on the partition threads for one run of 200
     * evaluations.
     */
    double statementsPerEvaluation() throws Exception {
        long action = fixture.checkoutFlow("Counted");
        fixture.dueCheckouts(0, 200);
        io.flowbatch.support.StatementCounter.reset();

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("action_id = " + action + " AND state = 'SENT'")).isEqualTo(200);
        return io.flowbatch.support.StatementCounter.onThreads((thread) -> thread.startsWith("partition-")).size()
                / 200.0;
    }

    /**
     * A spike on one action is not one thread's work: its bucket is split over every
     * slot, the partitions pop from the same set, and each evaluation is claimed and sent
     * once.
     */
    @Test
    void oneDeepActionIsSpreadOverEverySlotAndEachEvaluationIsSentOnce() throws Exception {
        long action = fixture.flow("Spike", "Started Checkout", List.of(), ActionStatus.LIVE, CHECKOUT_HTML, "PT1H")
            .get(0);
        fixture.customers(0, 2000);
        fixture.events("Started Checkout", 0, 2000, Instant.now().minus(Duration.ofHours(2)));

        JobExecution execution = fixture.runMinute();

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        execution = jobRepository.getJobExecution(execution.getId());
        List<StepExecution> partitions = partitions(execution, action);
        assertThat(partitions).extracting(StepExecution::getStepName)
            .containsExactlyInAnyOrder("executeAction:action-" + action, "executeAction:action-" + action + ".2",
                    "executeAction:action-" + action + ".3", "executeAction:action-" + action + ".4");
        assertThat(partitions).allMatch((partition) -> partition.getStatus() == BatchStatus.COMPLETED);
        assertThat(partitions.stream().mapToLong(StepExecution::getReadCount).sum()).as("claimed once each")
            .isEqualTo(2000);
        assertThat(states(action)).isEqualTo(Map.of("SENT", 2000L));
        assertThat(fixture.smtp().received()).hasSize(2000);
        assertThat(fixture.smtp().countByMessageId()).hasSize(2000)
            .allSatisfy((messageId, count) -> assertThat(count).isEqualTo(1));
    }

    private Map<String, Long> states(long actionId) {
        return fixture.data()
            .jdbc()
            .sql("SELECT state, count(*) AS n FROM evaluation WHERE action_id = :id GROUP BY state")
            .param("id", actionId)
            .query()
            .listOfRows()
            .stream()
            .collect(Collectors.toMap((row) -> (String) row.get("state"), (row) -> (Long) row.get("n")));
    }

    /**
     * The partitions of one action: {@code executeAction:action-N} and, for a deep
     * bucket, {@code action-N.2}, ...
     */
    static List<StepExecution> partitions(JobExecution execution, long actionId) {
        String first = "executeAction:action-" + actionId;
        return execution.getStepExecutions()
            .stream()
            .filter((s) -> s.getStepName().equals(first) || s.getStepName().startsWith(first + "."))
            .toList();
    }

}
