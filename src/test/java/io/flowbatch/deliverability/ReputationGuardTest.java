package io.flowbatch.deliverability;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.util.HtmlUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The reputation guard and soft bounces on real PostgreSQL, Redis and SMTP, at the
 * default limits (0.3 % complaints, 5 % hard bounces, over the latest 1,000 sends, judged
 * from 100 sends): a complaint rate above the limit pauses the action with the rate in
 * its reason, its due evaluations wait and none is lost, and an operator who resumes it
 * starts the window afresh; hard bounces pause it only above their limit; three soft
 * bounces suppress an address for a while.
 */
@FlowbatchTest
class ReputationGuardTest {

    @Autowired
    Fixtures fixture;

    @Autowired
    Bounces bounces;

    @Autowired
    MockMvc mvc;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void aComplaintRateAboveTheLimitPausesTheActionAndItsEvaluationsWaitUntilItIsResumed() throws Exception {
        long action = fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 200);
        fixture.runMinute();
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(200);

        Bounces.Applied complaint = bounces.report(request(0, BounceType.COMPLAINT), "test");

        assertThat(complaint.paused()).isEqualTo(
                "paused by the reputation guard: complaint rate 0.50 % (1 of the action's latest 200 sends) is above 0.30 %");
        assertThat(actionStatus(action)).isEqualTo("PAUSED");
        assertThat(
                fixture.flows().get(fixture.flows().findIdByName("Cart").orElseThrow()).actions().get(0).statusReason())
            .isEqualTo(complaint.paused());

        int received = fixture.smtp().received().size();
        fixture.events(Fixtures.TRIGGER, 0, 50, Instant.now().minus(Duration.ofHours(2)));
        fixture.runMinute();
        assertThat(fixture.smtp().received()).as("a paused action sends nothing").hasSize(received);
        assertThat(fixture.count("state = 'WAITING'")).as("its due evaluations wait").isEqualTo(50);

        mvc.perform(get("/api/admin/actions/{id}/stats", action).with(admin()))
            .andExpect(jsonPath("$.reputation.sent").value(200))
            .andExpect(jsonPath("$.reputation.complaints").value(1))
            .andExpect(jsonPath("$.reputation.complaintRate").value(0.005))
            .andExpect(jsonPath("$.reputation.breach")
                .value(complaint.paused().substring(ReputationGuard.REASON.length())));
        mvc.perform(get("/admin").with(page()))
            .andExpect(content().string(containsString("Paused by the reputation guard")))
            .andExpect(content().string(containsString(HtmlUtils.htmlEscape(complaint.paused()))))
            .andExpect(content().string(containsString("0.00% · 0.50%")));
        mvc.perform(get("/admin/actions/{id}", action).with(page()))
            .andExpect(content().string(containsString("Resume the action")))
            .andExpect(content().string(containsString("0.50%")));
        mvc.perform(get("/actuator/prometheus").with(admin()))
            .andExpect(content().string(containsString("flowbatch_guard_paused_total{action=\"" + action + "\"} 1.0")))
            .andExpect(content().string(containsString("type=\"COMPLAINT\"")));

        mvc.perform(post("/admin/actions/{id}/resume", action).with(page()).with(csrf()))
            .andExpect(status().is3xxRedirection());
        mvc.perform(post("/admin/actions/{id}/resume", action).with(page()).with(csrf()))
            .andExpect(flash().attribute("error", "Action " + action
                    + " is LIVE, not PAUSED: set its status with PUT /api/actions/" + action + "/status"));
        assertThat(bounces.report(request(1, BounceType.COMPLAINT), "test").paused())
            .as("resumed, the guard judges only what the action sends from now")
            .isNull();
        fixture.runMinute();
        assertThat(actionStatus(action)).isEqualTo("LIVE");
        assertThat(fixture.smtp().received()).hasSize(received + 50 - 2);
        assertThat(fixture.count("state = 'WAITING'")).isZero();
    }

    @Test
    void hardBouncesPauseTheActionOnlyAboveTheirLimit() throws Exception {
        long action = fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 200);
        fixture.runMinute();

        for (int customer = 0; customer < 10; customer++) {
            assertThat(bounces.report(request(customer, BounceType.HARD), "test").paused()).isNull();
        }
        assertThat(actionStatus(action)).as("10 of 200 is 5 %, not above it").isEqualTo("LIVE");
        assertThat(bounces.report(request(10, BounceType.HARD), "test").paused()).isEqualTo(
                "paused by the reputation guard: hard-bounce rate 5.50 % (11 of the action's latest 200 sends) is above 5.00 %");
        assertThat(actionStatus(action)).isEqualTo("PAUSED");
        assertThat(fixture.count("state = 'BOUNCED'")).isEqualTo(11);
    }

    @Test
    void aWindowWithFewerSendsThanTheMinimumIsNotJudged() throws Exception {
        long action = fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 20);
        fixture.runMinute();

        bounces.report(request(0, BounceType.COMPLAINT), "test");
        bounces.report(request(1, BounceType.HARD), "test");

        assertThat(actionStatus(action)).isEqualTo("LIVE");
    }

    @Test
    void aRelayRefusalThatBlamesTheAddressSuppressesItAndCountsForTheGuard() throws Exception {
        fixture.checkoutFlow("Cart");
        fixture.smtp()
            .replyAlways(Fixtures.email(0),
                    "550 5.1.1 <" + Fixtures.email(0) + ">: Recipient address rejected: User unknown");
        fixture.smtp().replyAlways(Fixtures.email(1), "554 5.7.1 Service unavailable; client host blocked");
        fixture.dueCheckouts(0, 3);
        fixture.runMinute();

        assertThat(fixture.count("state = 'FAILED' AND reason LIKE 'refused by the mail server: 550 5.1.1%'")).isOne();
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT email || ': ' || suppression_reason FROM customer WHERE suppressed_at IS NOT NULL")
            .query(String.class)
            .list()).singleElement().asString().startsWith(Fixtures.email(0) + ": hard bounce: 550 5.1.1");
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT type || ' ' || source FROM delivery_event ORDER BY id")
            .query(String.class)
            .list()).as("a policy block says nothing against the address").containsExactly("HARD relay-reply");
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT sum(sent) || ' ' || sum(hard_bounces) FROM send_tally")
            .query(String.class)
            .single()).as("three sends attempted, one hard bounce").isEqualTo("3 1");

        fixture.events(Fixtures.TRIGGER, 0, 1, Instant.now().minus(Duration.ofHours(2)));
        fixture.runMinute();
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'customer suppressed: hard bounce: 550 5.1.1%'"))
            .isOne();
    }

    @Test
    void threeSoftBouncesSuppressTheAddressForAWhile() throws Exception {
        fixture.checkoutFlow("Cart");
        for (int round = 0; round < 3; round++) {
            fixture.dueCheckouts(0, 1);
            fixture.runMinute();
            long evaluation = fixture.data()
                .jdbc()
                .sql("SELECT max(evaluation_id) FROM delivery_log")
                .query(Long.class)
                .single();
            Bounces.Applied soft = bounces.report(evaluation, BounceType.SOFT, "452 4.2.2 mailbox full", "test");
            assertThat(soft.suppressed()).as("soft bounce %d", round + 1).isEqualTo(round == 2);
        }

        List<Object> suppression = fixture.data()
            .jdbc()
            .sql("SELECT suppression_reason, suppressed_until > now() + interval '6 days' FROM customer")
            .query((rs, row) -> List.<Object>of(rs.getString(1), rs.getBoolean(2)))
            .single();
        assertThat(suppression).containsExactly("3 soft bounces within PT168H: 452 4.2.2 mailbox full", true);
        int received = fixture.smtp().received().size();
        fixture.dueCheckouts(0, 1);
        fixture.runMinute();
        assertThat(fixture.smtp().received()).hasSize(received);
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'customer suppressed: 3 soft bounces%'")).isOne();

        fixture.data().jdbc().sql("UPDATE customer SET suppressed_until = now() - interval '1 second'").update();
        fixture.dueCheckouts(0, 1);
        fixture.runMinute();
        assertThat(fixture.smtp().received()).as("a suppression that ended suppresses no more").hasSize(received + 1);
    }

    private static RequestPostProcessor admin() {
        return httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD);
    }

    private static RequestPostProcessor page() {
        return user(FlowbatchTest.ADMIN_USER).roles("ADMIN");
    }

    private BounceRequest request(int customer, BounceType type) {
        return new BounceRequest(fixture.messageIdSentTo(customer), null, type, null);
    }

    private String actionStatus(long action) {
        return fixture.data()
            .jdbc()
            .sql("SELECT status FROM action WHERE id = :id")
            .param("id", action)
            .query(String.class)
            .single();
    }

}
