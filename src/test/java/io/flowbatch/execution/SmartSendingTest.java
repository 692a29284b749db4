package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Smart sending on real PostgreSQL, Redis and SMTP: one marketing email per customer
 * within the window, whichever actions, partitions and threads reach them at once;
 * transactional email passes; a reservation whose message did not go out blocks nothing.
 */
@FlowbatchTest
class SmartSendingTest {

    static final String HTML = "<p>Hi [[${customer.firstName}]]</p>";

    @Autowired
    Fixtures fixture;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    /**
     * Two marketing actions due for the same 300 customers in the same minute run as two
     * partitions at once: every customer gets exactly one message.
     */
    @Test
    void twoMarketingActionsDueTogetherSendOneMessagePerCustomer() throws Exception {
        long first = marketing("Browse abandonment", true);
        long second = marketing("Cart abandonment", true);
        fixture.customers(0, 300);
        fixture.events(Fixtures.TRIGGER, 0, 300, Instant.now().minus(Duration.ofHours(2)));

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.smtp().countByRecipient()).hasSize(300)
            .allSatisfy((recipient, count) -> assertThat(count).isOne());
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(300);
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'smart sending: %'")).isEqualTo(300);
        assertThat(fixture.count("action_id IN (" + first + ", " + second + ")")).isEqualTo(600);
        assertThat(fixture.data().count("marketing_send")).isEqualTo(300);
    }

    @Test
    void aTransactionalEmailNeitherWaitsForNorCountsAsMarketing() throws Exception {
        marketing("Cart abandonment", true);
        transactional("Checkout receipt");
        fixture.customers(0, 20);
        fixture.events(Fixtures.TRIGGER, 0, 20, Instant.now().minus(Duration.ofHours(2)));

        fixture.runMinute();

        assertThat(fixture.smtp().countByRecipient()).hasSize(20)
            .allSatisfy((recipient, count) -> assertThat(count).isEqualTo(2));
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(40);
    }

    @Test
    void aMarketingEmailWithinTheWindowSkipsNamingItAndOneBeforeItDoesNot() throws Exception {
        marketing("Cart abandonment", true);
        fixture.customers(0, 2);
        fixture.events(Fixtures.TRIGGER, 0, 2, Instant.now().minus(Duration.ofHours(2)));
        // Customer 0 had one 15 hours ago, customer 1 one 17 hours ago (the window: 16).
        fixture.data()
            .jdbc()
            .sql("""
                    INSERT INTO marketing_send (customer_id, sends_at, evaluation_ids, action_ids)
                    SELECT id, ARRAY[now() - CASE WHEN email = :recent THEN interval '15 hours' ELSE interval '17 hours' END],
                           ARRAY[-id], ARRAY[999::bigint]
                    FROM customer
                    """)
            .param("recent", Fixtures.email(0))
            .update();

        fixture.runMinute();

        assertThat(fixture.smtp().countByRecipient()).containsOnlyKeys(Fixtures.email(1));
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE "
                + "'smart sending: a marketing email (action 999) went to this customer at %, within PT16H'"))
            .isEqualTo(1);
    }

    /**
     * A marketing action without smart sending sends whatever went before, and its send
     * counts for the actions that have it.
     */
    @Test
    void anActionWithoutSmartSendingSendsAndCounts() throws Exception {
        long without = marketing("Flash sale", false);
        fixture.customers(0, 10);
        fixture.events(Fixtures.TRIGGER, 0, 10, Instant.now().minus(Duration.ofHours(2)));
        fixture.data().jdbc().sql("""
                INSERT INTO marketing_send (customer_id, sends_at, evaluation_ids, action_ids)
                SELECT id, ARRAY[now() - interval '1 hour'], ARRAY[-id], ARRAY[999::bigint] FROM customer
                """).update();

        fixture.runMinute();

        assertThat(fixture.smtp().countByRecipient()).hasSize(10);
        assertThat(fixture.count("action_id = " + without + " AND state = 'SENT'")).isEqualTo(10);
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT count(*) FROM marketing_send WHERE action_ids[array_upper(action_ids, 1)] = :action")
            .param("action", without)
            .query(Long.class)
            .single()).isEqualTo(10);
    }

    /**
     * A message refused for good did not go out: its reservation is given back, the one
     * before kept, and the next marketing email is not held back by it.
     */
    @Test
    void aReservationWhoseMessageWasRefusedIsGivenBack() throws Exception {
        marketing("Cart abandonment", true);
        fixture.customers(0, 3);
        fixture.smtp().replyAlways(Fixtures.email(1), "550 5.1.1 no such user");
        fixture.data().jdbc().sql("""
                INSERT INTO marketing_send (customer_id, sends_at, evaluation_ids, action_ids)
                SELECT id, ARRAY[now() - interval '20 hours'], ARRAY[-id], ARRAY[999::bigint] FROM customer
                WHERE email = :email
                """).param("email", Fixtures.email(1)).update();
        fixture.events(Fixtures.TRIGGER, 0, 3, Instant.now().minus(Duration.ofHours(2)));

        fixture.runMinute();

        assertThat(fixture.count("state = 'FAILED'")).isEqualTo(1);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(2);
        List<Long> left = fixture.data().jdbc().sql("""
                SELECT unnest(m.evaluation_ids) FROM marketing_send m JOIN customer c ON c.id = m.customer_id
                WHERE c.email = :email
                """).param("email", Fixtures.email(1)).query(Long.class).list();
        long refused = fixture.data()
            .jdbc()
            .sql("SELECT id FROM evaluation WHERE state = 'FAILED'")
            .query(Long.class)
            .single();
        assertThat(left).as("the refused message's entry is gone").doesNotContain(refused);
        assertThat(fixture.data().count("marketing_send")).isEqualTo(3);
    }

    private long marketing(String name, boolean smartSending) {
        return action(name, ActionKind.MARKETING, smartSending);
    }

    private long transactional(String name) {
        return action(name, ActionKind.TRANSACTIONAL, null);
    }

    private long action(String name, ActionKind kind, Boolean smartSending) {
        return fixture.flows()
            .create(new FlowRequest(name, new FlowRequest.Trigger(Fixtures.TRIGGER), List.of(), null,
                    List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                            new FlowRequest.Email("Shop <shop@example.com>", name, HTML, null), kind, smartSending))))
            .actions()
            .get(0)
            .id();
    }

}
