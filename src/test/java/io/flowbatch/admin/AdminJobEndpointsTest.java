package io.flowbatch.admin;

import java.time.Duration;
import java.time.Instant;

import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** The first admin endpoints: action stats (with the Redis bucket) and launch-now. */
@FlowbatchTest
class AdminJobEndpointsTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixtures;

    @Autowired
    JobRepository jobRepository;

    long action;

    @BeforeEach
    void flowWithDueEvaluations() {
        fixtures.reset();
        action = fixtures.checkoutFlow("Checkout");
        fixtures.dueCheckouts(0, 2);
        fixtures.events(Fixtures.TRIGGER, 2, 3, Instant.now());
    }

    @Test
    void statsCountEveryStateIncludingZerosAndTheBucket() throws Exception {
        fixtures.redis().opsForSet().add("flowbatch:bucket:" + action, "1", "2");

        mvc.perform(get("/api/admin/actions/{id}/stats", action).with(admin()))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.actionId").value(action))
            .andExpect(jsonPath("$.states.WAITING").value(3))
            .andExpect(jsonPath("$.states.SENT").value(0))
            .andExpect(jsonPath("$.states.IN_DOUBT").value(0))
            .andExpect(jsonPath("$.states.CANCELLED").value(0))
            .andExpect(jsonPath("$.states.DONE").value(0))
            .andExpect(jsonPath("$.states.length()").value(12))
            .andExpect(jsonPath("$.buffered").value(2));
        mvc.perform(get("/api/admin/actions/{id}/stats", 999_999).with(admin())).andExpect(status().isNotFound());
        mvc.perform(get("/api/admin/actions/{id}/stats", action)).andExpect(status().isUnauthorized());
    }

    @Test
    void launchRunsTheJobNowAndAnswersWithItsExecution() throws Exception {
        String body = mvc.perform(post("/api/admin/jobs/flowExecution/launch").with(admin()))
            .andExpect(status().isAccepted())
            .andExpect(jsonPath("$.executionId").isNumber())
            .andReturn()
            .getResponse()
            .getContentAsString();
        long executionId = Long.parseLong(body.replaceAll("\\D", ""));

        await().atMost(Duration.ofSeconds(30))
            .until(() -> jobRepository.getJobExecution(executionId).getStatus() == BatchStatus.COMPLETED);
        assertThat(jobRepository.getJobExecution(executionId).getJobInstance().getJobName()).isEqualTo("flowExecution");
        assertThat(fixtures.smtp().received()).hasSize(2);
        mvc.perform(get("/api/admin/actions/{id}/stats", action).with(admin()))
            .andExpect(jsonPath("$.states.SENT").value(2))
            .andExpect(jsonPath("$.states.WAITING").value(1))
            .andExpect(jsonPath("$.buffered").value(0));
        mvc.perform(post("/api/admin/jobs/noSuchJob/launch").with(admin())).andExpect(status().isNotFound());
    }

    private static org.springframework.test.web.servlet.request.RequestPostProcessor admin() {
        return httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD);
    }

}
