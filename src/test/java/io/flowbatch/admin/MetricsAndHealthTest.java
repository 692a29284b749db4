package io.flowbatch.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.intake.EventRequest;
import io.flowbatch.intake.IntakeService;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import io.flowbatch.support.TestSmtpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
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
    TestData data;

    @Autowired
    FlowService flows;

    @Autowired
    IntakeService intake;

    @Autowired
    FlowExecutionLauncher launcher;

    @Autowired
    MeterRegistry meters;

    @Test
    void aRunShowsUpInFlowbatchAndSpringBatchMetrics() throws Exception {
        data.reset();
        TestSmtpServer.shared().reset();
        long action = flows.create(new FlowRequest("Metrics", new FlowRequest.Trigger("Started Checkout"), List.of(), null,
                List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                        new FlowRequest.Email("shop@example.com", "Hi", "<p>Hi</p>", null)))))
            .actions().get(0).id();
        intake.ingestEvents(List.of(
                new EventRequest("m1@example.com", "Started Checkout", Instant.now().minus(Duration.ofHours(2)), null, null),
                new EventRequest("m2@example.com", "Started Checkout", Instant.now().minus(Duration.ofHours(2)), null, null)));
        double before = sent(action);
        launcher.runScheduled(Instant.parse("2031-03-01T00:00:00Z").plusNanos(System.nanoTime() % 1_000_000));

        assertThat(sent(action) - before).isEqualTo(2.0);

        mvc.perform(get("/actuator/prometheus").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(content().string(containsString(
                    "flowbatch_evaluations_total{action=\"" + action + "\",outcome=\"SENT\"}")))
            .andExpect(content().string(containsString("flowbatch_chunk_seconds_count{action=\"" + action + "\"}")))
            .andExpect(content().string(containsString("flowbatch_smtp_latency_seconds_count")))
            .andExpect(content().string(containsString("flowbatch_smtp_messages_total{result=\"SENT\"}")))
            .andExpect(content().string(containsString("flowbatch_buckets_depth")))
            .andExpect(content().string(containsString("flowbatch_evaluations_in_doubt")))
            .andExpect(content().string(containsString("spring_batch_job")));
        mvc.perform(get("/actuator/prometheus")).andExpect(status().isUnauthorized());
    }

    private double sent(long action) {
        Counter counter = meters.find("flowbatch.evaluations").tag("action", Long.toString(action))
            .tag("outcome", "SENT").counter();
        return (counter != null) ? counter.count() : 0;
    }

    @Test
    void dependenciesHealthGroupCoversDatabaseRedisAndMail() throws Exception {
        mvc.perform(get("/actuator/health/dependencies").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
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
