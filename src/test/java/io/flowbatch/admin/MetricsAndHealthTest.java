package io.flowbatch.admin;

import java.time.Duration;

import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** Prometheus metrics (admin only) and the health group of flowbatch's dependencies. */
@FlowbatchTest
class MetricsAndHealthTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixtures;

    @Autowired
    MeterRegistry meters;

    @Test
    void aRunShowsUpInFlowbatchAndSpringBatchMetrics() throws Exception {
        fixtures.reset();
        long action = fixtures.checkoutFlow("Metrics");
        fixtures.dueCheckouts(0, 2);
        double before = sent(action);
        fixtures.runMinute();

        assertThat(sent(action) - before).isEqualTo(2.0);

        mvc.perform(get("/actuator/prometheus").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(content()
                .string(containsString("flowbatch_evaluations_total{action=\"" + action + "\",outcome=\"SENT\"}")))
            .andExpect(content().string(containsString("flowbatch_chunk_seconds_count{action=\"" + action + "\"}")))
            .andExpect(content().string(containsString("flowbatch_smtp_latency_seconds_count")))
            .andExpect(content().string(containsString("flowbatch_smtp_messages_total{result=\"SENT\"}")))
            .andExpect(content().string(containsString("flowbatch_buckets_depth")))
            .andExpect(content().string(containsString("flowbatch_evaluations_in_doubt")))
            .andExpect(content().string(containsString("spring_batch_job")));
        mvc.perform(get("/actuator/prometheus")).andExpect(status().isUnauthorized());
    }

    private double sent(long action) {
        Counter counter = meters.find("flowbatch.evaluations")
            .tag("action", Long.toString(action))
            .tag("outcome", "SENT")
            .counter();
        return (counter != null) ? counter.count() : 0;
    }

    /**
     * A stopped relay made /actuator/health DOWN: a probe would have restarted every
     * instance.
     */
    @Test
    void aMailRelayOutageIsDegradedNotDown() throws Exception {
        TestSmtpServer smtp = TestSmtpServer.shared();
        smtp.refuseConnections();
        try {
            await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> mvc.perform(get("/actuator/health"))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.status").value("DEGRADED")));
            mvc.perform(get("/actuator/health/dependencies")
                .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.components.mail.status").value("DEGRADED"))
                .andExpect(jsonPath("$.components.mail.details.impact").isNotEmpty())
                .andExpect(jsonPath("$.components.db.status").value("UP"));
            mvc.perform(get("/actuator/health/liveness"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("UP"));
            mvc.perform(get("/actuator/health/readiness"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("UP"));
            mvc.perform(
                    get("/actuator/prometheus").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
                .andExpect(content().string(containsString("flowbatch_dependency_up{dependency=\"mail\"} 0.0")))
                .andExpect(content().string(containsString("flowbatch_dependency_up{dependency=\"redis\"} 1.0")));
            mvc.perform(get("/admin").with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
                .andExpect(content().string(containsString("Mail relay")))
                .andExpect(content().string(containsString("DEGRADED")));
        }
        finally {
            smtp.acceptConnections();
        }
        await().atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> mvc.perform(get("/actuator/health")).andExpect(jsonPath("$.status").value("UP")));
    }

    @Test
    void dependenciesHealthGroupCoversDatabaseRedisAndMail() throws Exception {
        await().atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> mvc.perform(get("/actuator/health")).andExpect(jsonPath("$.status").value("UP")));
        mvc.perform(get("/actuator/health/dependencies")
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("UP"))
            .andExpect(jsonPath("$.components.db.status").value("UP"))
            .andExpect(jsonPath("$.components.redis.status").value("UP"))
            .andExpect(jsonPath("$.components.mail.status").value("UP"));
        mvc.perform(get("/actuator/health/dependencies"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("UP"))
            .andExpect(jsonPath("$.components").doesNotExist());
    }

}
