package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Named relays on real PostgreSQL, Redis and two SMTP servers: an action's mail leaves
 * through the relay it names; a relay's quota and rate hold what they do not allow until
 * the next run, never failing it; a throttling reply halves the relay's rate and costs
 * the message no attempt.
 */
@FlowbatchTest
class RelaysTest {

    static final TestSmtpServer BULK = TestSmtpServer.another();

    @DynamicPropertySource
    static void relays(DynamicPropertyRegistry registry) {
        registry.add("spring.quartz.scheduler-name", () -> "flowbatch-relays-test");
        registry.add("flowbatch.relays.bulk.host", () -> "127.0.0.1");
        registry.add("flowbatch.relays.bulk.port", BULK::port);
        registry.add("flowbatch.relays.bulk.hourly-quota", () -> "100");
        registry.add("flowbatch.relays.slow.host", () -> "127.0.0.1");
        registry.add("flowbatch.relays.slow.port", BULK::port);
        registry.add("flowbatch.relays.slow.rate", () -> "1");
        registry.add("flowbatch.relays.slow.hourly-quota", () -> "1000");
        registry.add("flowbatch.relays.slow.max-wait", () -> "PT2S");
    }

    @Autowired
    Fixtures fixture;

    @Autowired
    MockMvc mvc;

    @BeforeEach
    void reset() {
        fixture.reset();
        BULK.reset();
    }

    /**
     * 250 due through {@code bulk}, whose hourly quota is 100: 100 go to its server and
     * none to the default one; 150 wait for the next run, and the next run, within the
     * hour, sends none of them either.
     */
    @Test
    void anActionSendsThroughItsRelayWithinItsQuota() throws Exception {
        long action = action("bulk");
        fixture.customers(0, 250);
        fixture.events(Fixtures.TRIGGER, 0, 250, Instant.now().minus(Duration.ofHours(2)));

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(BULK.received()).hasSize(100);
        assertThat(fixture.smtp().received()).isEmpty();
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(100);
        assertThat(fixture.count("state = 'WAITING' AND attempts = 0 AND due_at > now() "
                + "AND reason = 'deferred: relay ''bulk'' reached its quota; waits for the next run'"))
            .isEqualTo(150);
        fixture.data().jdbc().sql("UPDATE evaluation SET due_at = now() WHERE state = 'WAITING'").update();
        fixture.runMinute();
        assertThat(BULK.received()).as("the quota holds across runs").hasSize(100);
        assertThat(fixture.count("state = 'FAILED'")).isZero();
        mvc.perform(get("/api/admin/relays").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$[?(@.name == 'bulk')].quotaUsed.lastHour").value(100))
            .andExpect(jsonPath("$[?(@.name == 'bulk')].hourlyQuota").value(100))
            .andExpect(jsonPath("$[?(@.name == 'default')].rate").value(org.hamcrest.Matchers.contains((Object) null)));
        mvc.perform(get("/actuator/prometheus").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(content()
                .string(containsString("flowbatch_relay_quota_used{relay=\"bulk\",window=\"hour\"} 100.0")))
            .andExpect(content().string(containsString("flowbatch_relay_limit{relay=\"slow\"} 1.0")));
        assertThat(action).isPositive();
    }

    /**
     * {@code slow} takes one message a second (a burst of at most one window): of 120
     * due, what the rate allows while the chunk may wait goes; the rest waits for the
     * next run, none failed, and gives back the quota it took.
     */
    @Test
    void whatARelaysRateDoesNotAllowWaitsForTheNextRun() throws Exception {
        action("slow");
        fixture.customers(0, 120);
        fixture.events(Fixtures.TRIGGER, 0, 120, Instant.now().minus(Duration.ofHours(2)));

        Instant started = Instant.now();
        fixture.runMinute();
        Duration took = Duration.between(started, Instant.now());

        long sent = BULK.received().size();
        // At most the burst (15, a quarter of a minute's 60) plus the refill (30 a
        // minute)
        // while the job ran.
        long allowed = 15 + (long) Math.ceil(30 * took.toMillis() / 60_000.0);
        assertThat(sent).isPositive().isLessThanOrEqualTo(allowed);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(sent);
        assertThat(fixture
            .count("state = 'WAITING' AND attempts = 0 AND reason LIKE 'deferred: relay ''slow'' at its rate%'"))
            .isEqualTo(120 - sent);
        assertThat(fixture.count("state = 'FAILED'")).isZero();
        mvc.perform(get("/api/admin/relays").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(jsonPath("$[?(@.name == 'slow')].quotaUsed.lastHour")
                .value(org.hamcrest.Matchers.contains((int) sent)));
    }

    @Test
    void aThrottlingReplyHalvesTheRelaysRateAndCostsNoAttempt() throws Exception {
        action("slow");
        fixture.customers(0, 3);
        BULK.replyAlways(Fixtures.email(1), "454 4.7.0 Throttling failure: Maximum sending rate exceeded.");
        fixture.events(Fixtures.TRIGGER, 0, 3, Instant.now().minus(Duration.ofHours(2)));

        fixture.runMinute();

        assertThat(BULK.received()).hasSize(2);
        assertThat(fixture.count("state = 'WAITING' AND attempts = 0 AND reason = "
                + "'deferred: the relay throttles: 454 4.7.0 Throttling failure: Maximum sending rate exceeded.'"))
            .isOne();
        mvc.perform(get("/api/admin/relays").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$[?(@.name == 'slow')].limit").value(org.hamcrest.Matchers.contains(1.0)))
            .andExpect(jsonPath("$[?(@.name == 'slow')].rate")
                .value(org.hamcrest.Matchers.contains(org.hamcrest.Matchers.lessThanOrEqualTo(0.5))))
            .andExpect(jsonPath("$[?(@.name == 'slow')].throttled")
                .value(org.hamcrest.Matchers.contains(org.hamcrest.Matchers.greaterThanOrEqualTo(1))));
    }

    private long action(String relay) {
        return fixture.flows()
            .create(new FlowRequest("Through " + relay, new FlowRequest.Trigger(Fixtures.TRIGGER), List.of(), null,
                    List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                            new FlowRequest.Email("Shop <shop@example.com>", "Hi", "<p>Hi</p>", null),
                            ActionKind.MARKETING, false, null, null, null, relay))))
            .actions()
            .get(0)
            .id();
    }

}
