package io.flowbatch.execution;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.OnCap;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Frequency caps on real PostgreSQL, Redis and SMTP, with {@code 2/P1D,3/P7D}: a customer
 * at a cap is skipped naming it, or deferred to the moment it allows; two actions
 * reaching the same customers at once pass only what the caps allow.
 */
@FlowbatchTest
@TestPropertySource(properties = { "flowbatch.delivery.frequency-caps=2/P1D,3/P7D",
        "spring.quartz.scheduler-name=flowbatch-caps-test" })
class FrequencyCapsTest {

    @Autowired
    Fixtures fixture;

    @Autowired
    MockMvc mvc;

    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    /**
     * Customer 0 had two in the last day, customer 1 one, customer 2 three in the week
     * but none in the last day, customer 3 none.
     */
    @Test
    void aCustomerAtACapIsSkippedNamingItAndTheOthersSend() throws Exception {
        long action = action("Cart abandonment", OnCap.SKIP);
        fixture.customers(0, 4);
        history(0, now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(3)));
        history(1, now.minus(Duration.ofHours(2)));
        history(2, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(4)));
        fixture.events(Fixtures.TRIGGER, 0, 4, Instant.now().minus(Duration.ofHours(2)));

        fixture.runMinute();

        assertThat(fixture.smtp().countByRecipient()).containsOnlyKeys(Fixtures.email(1), Fixtures.email(3));
        assertThat(reason(0)).isEqualTo("frequency cap 2/P1D: 2 marketing emails went to this customer within P1D");
        assertThat(reason(2)).isEqualTo("frequency cap 3/P7D: 3 marketing emails went to this customer within P7D");
        assertThat(fixture.count("state = 'SKIPPED'")).isEqualTo(2);
        mvc.perform(get("/api/admin/actions/{id}/stats", action)
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.skipped['frequency cap']").value(2));
    }

    /**
     * Deferred, still WAITING, due when the cap's oldest counted email leaves its window;
     * of two caps reached, the later moment.
     */
    @Test
    void aDeferringActionWaitsUntilTheCapAllows() throws Exception {
        action("Cart abandonment", OnCap.DEFER);
        fixture.customers(0, 3);
        Instant fiveHoursAgo = now.minus(Duration.ofHours(5));
        history(0, now.minus(Duration.ofHours(2)), fiveHoursAgo);
        Instant fourDaysAgo = now.minus(Duration.ofDays(4));
        history(1, now.minus(Duration.ofHours(1)), now.minus(Duration.ofDays(3)), fourDaysAgo);
        fixture.events(Fixtures.TRIGGER, 0, 3, Instant.now().minus(Duration.ofHours(2)));

        fixture.runMinute();

        assertThat(fixture.smtp().countByRecipient()).containsOnlyKeys(Fixtures.email(2));
        Instant allowed = fiveHoursAgo.plus(Duration.ofDays(1));
        assertThat(row(0)).containsEntry("state", "WAITING")
            .containsEntry("reason",
                    "deferred: frequency cap 2/P1D: 2 marketing emails went to this customer within "
                            + "P1D; it may send at " + allowed)
            .containsEntry("attempts", 0);
        assertThat(dueAt(0)).isEqualTo(allowed);
        assertThat(row(1)).containsEntry("state", "WAITING");
        assertThat(dueAt(1)).as("3/P7D allows later than 2/P1D does").isEqualTo(fourDaysAgo.plus(Duration.ofDays(7)));
        assertThat(fixture.data().count("marketing_send")).isEqualTo(3);

        fixture.runMinute();
        assertThat(fixture.smtp().received()).as("not due again before the cap allows").hasSize(1);
    }

    /**
     * 200 customers with one marketing email in the last day; two actions without smart
     * sending due for all of them in the same minute, run as two partitions at once: the
     * 2/P1D cap lets exactly one more through per customer.
     */
    @Test
    void twoActionsDueTogetherPassOnlyWhatTheCapAllows() throws Exception {
        action("Browse abandonment", OnCap.SKIP);
        action("Cart abandonment", OnCap.SKIP);
        fixture.customers(0, 200);
        fixture.data().jdbc().sql("""
                INSERT INTO marketing_send (customer_id, sends_at, evaluation_ids, action_ids)
                SELECT id, ARRAY[now() - interval '2 hours'], ARRAY[-id], ARRAY[999::bigint] FROM customer
                """).update();
        fixture.events(Fixtures.TRIGGER, 0, 200, Instant.now().minus(Duration.ofHours(2)));

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.smtp().countByRecipient()).hasSize(200)
            .allSatisfy((recipient, count) -> assertThat(count).isOne());
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(200);
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'frequency cap 2/P1D: %'")).isEqualTo(200);
    }

    private void history(int customer, Instant... sentAt) {
        for (Instant at : sentAt) {
            fixture.data()
                .jdbc()
                .sql("""
                        INSERT INTO marketing_send AS m (customer_id, sends_at, evaluation_ids, action_ids)
                        SELECT id, ARRAY[:at::timestamptz], ARRAY[-id * 10 - :n], ARRAY[999::bigint]
                        FROM customer WHERE email = :email
                        ON CONFLICT (customer_id) DO UPDATE SET sends_at = excluded.sends_at || m.sends_at,
                            evaluation_ids = excluded.evaluation_ids || m.evaluation_ids,
                            action_ids = excluded.action_ids || m.action_ids
                        """)
                .param("at", Timestamp.from(at))
                .param("n", List.of(sentAt).indexOf(at))
                .param("email", Fixtures.email(customer))
                .update();
        }
    }

    private long action(String name, OnCap onCap) {
        return fixture.flows()
            .create(new FlowRequest(name, new FlowRequest.Trigger(Fixtures.TRIGGER), List.of(), null,
                    List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                            new FlowRequest.Email("Shop <shop@example.com>", name, "<p>Hi</p>", null),
                            ActionKind.MARKETING, false, onCap, null, null))))
            .actions()
            .get(0)
            .id();
    }

    private Map<String, Object> row(int customer) {
        return fixture.data().jdbc().sql("""
                SELECT e.state, e.reason, e.attempts, e.due_at FROM evaluation e JOIN customer c ON c.id = e.customer_id
                WHERE c.email = :email
                """).param("email", Fixtures.email(customer)).query().singleRow();
    }

    private String reason(int customer) {
        return (String) row(customer).get("reason");
    }

    private Instant dueAt(int customer) {
        return ((Timestamp) row(customer).get("due_at")).toInstant();
    }

}
