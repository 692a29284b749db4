package io.flowbatch.admin;

import java.time.Duration;

import io.flowbatch.support.Fixtures;
import io.flowbatch.cluster.NodeIdentity;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Job inspection and control through the admin API, against real runs of flowExecution.
 */
@FlowbatchTest
class JobAdminTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixtures;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    NodeIdentity node;

    TestSmtpServer smtp;

    long action;

    @BeforeEach
    void reset() {
        fixtures.reset();
        smtp = fixtures.smtp();
        action = fixtures.checkoutFlow("Checkout");
    }

    @AfterEach
    void serverBack() {
        smtp.acceptConnections();
        smtp.delayPerMessage(Duration.ZERO);
    }

    @Test
    void listsJobsExecutionsAndOneExecutionWithItsPartitions() throws Exception {
        due(20);
        long executionId = launchAndWait(BatchStatus.COMPLETED);

        mvc.perform(admin(get("/api/admin/jobs")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$[0].name").value("flowExecution"))
            .andExpect(jsonPath("$[0].instanceCount").isNumber())
            .andExpect(jsonPath("$[0].lastExecution.id").value(executionId));
        mvc.perform(
                admin(get("/api/admin/jobs/flowExecution/executions").param("status", "COMPLETED").param("size", "1")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.items[0].id").value(executionId))
            .andExpect(jsonPath("$.items.length()").value(1));
        mvc.perform(admin(get("/api/admin/executions/{id}", executionId)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.jobName").value("flowExecution"))
            .andExpect(jsonPath("$.status").value("COMPLETED"))
            .andExpect(jsonPath("$.parameters.launchedAt").isString())
            .andExpect(jsonPath("$.steps[?(@.name == 'buffer')].writeCount").value(20))
            .andExpect(jsonPath("$.steps[?(@.name == 'executeAction:action-" + action + "')].readCount").value(20))
            .andExpect(jsonPath("$.steps[?(@.name == 'executeAction:action-" + action + "')].writeCount").value(20))
            .andExpect(jsonPath("$.steps[?(@.name == 'executeAction:action-" + action + "')].node").value(node.id()))
            .andExpect(jsonPath("$.steps[?(@.name == 'buffer')].node").value(node.id()));
        mvc.perform(admin(get("/api/admin/nodes")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$[?(@.id == '" + node.id() + "')].alive").value(true))
            .andExpect(jsonPath("$[?(@.id == '" + node.id() + "')].roles[*]")
                .value(org.hamcrest.Matchers.containsInAnyOrder("scheduler", "worker")));
        mvc.perform(get("/admin").with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andExpect(content().string(org.hamcrest.Matchers.containsString(node.id())));
        mvc.perform(get("/admin/executions/{id}", executionId).with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andExpect(content()
                .string(org.hamcrest.Matchers.containsString("<td class=\"node\">" + node.id() + "</td>")));
        mvc.perform(admin(get("/api/admin/executions/{id}", 999_999_999))).andExpect(status().isNotFound());
        mvc.perform(admin(get("/api/admin/jobs/nope/executions"))).andExpect(status().isNotFound());
        mvc.perform(admin(get("/api/admin/jobs/flowExecution/executions").param("status", "SLEEPING")))
            .andExpect(status().isBadRequest());
    }

    @Test
    void restartOfAFailedExecutionRunsTheSameInstanceToCompletionAndSendsNothingTwice() throws Exception {
        due(60);
        smtp.refuseConnections();
        long failed = launchAndWait(BatchStatus.FAILED);
        mvc.perform(admin(get("/api/admin/executions/{id}", failed)))
            .andExpect(jsonPath("$.status").value("FAILED"))
            .andExpect(jsonPath("$.exitDescription").value(org.hamcrest.Matchers.startsWith("executeAction:action-"
                    + action + ": MailServerUnavailableException: The mail server could not be reached")));
        smtp.acceptConnections();

        long restarted = executionId(mvc.perform(admin(post("/api/admin/executions/{id}/restart", failed)))
            .andExpect(status().isAccepted())
            .andReturn()
            .getResponse()
            .getContentAsString());
        await().atMost(Duration.ofSeconds(30))
            .until(() -> jobRepository.getJobExecution(restarted).getStatus() == BatchStatus.COMPLETED);

        assertThat(jobRepository.getJobExecution(restarted).getJobInstanceId())
            .isEqualTo(jobRepository.getJobExecution(failed).getJobInstanceId());
        assertThat(smtp.received()).hasSize(60);
        assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
        mvc.perform(admin(post("/api/admin/executions/{id}/restart", restarted))).andExpect(status().isConflict());
        mvc.perform(admin(post("/api/admin/executions/{id}/restart", failed))).andExpect(status().isConflict());
    }

    @Test
    void illegalOperationsAreConflictsAndAnAbandonedExecutionIsNeverRestarted() throws Exception {
        due(5);
        smtp.refuseConnections();
        long failed = launchAndWait(BatchStatus.FAILED);
        smtp.acceptConnections();

        mvc.perform(admin(post("/api/admin/executions/{id}/stop", failed)))
            .andExpect(status().isConflict())
            .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("only a running execution")));
        mvc.perform(admin(post("/api/admin/executions/{id}/abandon", failed)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("ABANDONED"));
        mvc.perform(admin(post("/api/admin/executions/{id}/restart", failed)))
            .andExpect(status().isConflict())
            .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("abandoned")));
        mvc.perform(admin(post("/api/admin/executions/{id}/abandon", failed))).andExpect(status().isConflict());
        mvc.perform(admin(post("/api/admin/executions/{id}/stop", 999_999_999))).andExpect(status().isNotFound());
    }

    @Test
    void stopDuringALongRunEndsStoppedAtAChunkBoundaryAndRestartFinishesIt() throws Exception {
        // More chunks than the slots its bucket is split over: each partition has
        // several.
        due(6000);
        smtp.delayPerMessage(Duration.ofMillis(4));
        long running = executionId(mvc.perform(admin(post("/api/admin/jobs/flowExecution/launch")))
            .andReturn()
            .getResponse()
            .getContentAsString());
        await().atMost(Duration.ofSeconds(30)).until(() -> smtp.received().size() > 0);

        mvc.perform(admin(post("/api/admin/executions/{id}/stop", running))).andExpect(status().isAccepted());
        // The job is marked STOPPED at once; its partition stops at the end of the chunk
        // in flight.
        await().atMost(Duration.ofSeconds(60))
            .until(() -> jobRepository.getJobExecution(running).getStatus() == BatchStatus.STOPPED
                    && jobRepository.getJobExecution(running)
                        .getStepExecutions()
                        .stream()
                        .noneMatch((step) -> step.getStatus().isRunning()));

        long sentWhenStopped = count("state = 'SENT'");
        assertThat(sentWhenStopped).isPositive().isLessThan(6000).isEqualTo(smtp.received().size());
        assertThat(sentWhenStopped % 500).isZero();
        assertThat(count("state IN ('PROCESSING', 'SENDING')")).isZero();

        smtp.delayPerMessage(Duration.ZERO);
        long restarted = executionId(mvc.perform(admin(post("/api/admin/executions/{id}/restart", running)))
            .andExpect(status().isAccepted())
            .andReturn()
            .getResponse()
            .getContentAsString());
        await().atMost(Duration.ofSeconds(60))
            .until(() -> jobRepository.getJobExecution(restarted).getStatus() == BatchStatus.COMPLETED);

        assertThat(count("state = 'SENT'")).isEqualTo(6000);
        assertThat(smtp.received()).hasSize(6000);
        assertThat(smtp.countByMessageId().values()).allMatch((n) -> n == 1);
    }

    @Test
    void scheduleStateCanBePausedAndResumed() throws Exception {
        mvc.perform(admin(get("/api/admin/schedule")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.cron").value("0 * * * * ?"))
            .andExpect(jsonPath("$.paused").value(false))
            .andExpect(jsonPath("$.nextFireTime").isString());
        mvc.perform(admin(post("/api/admin/schedule/pause"))).andExpect(jsonPath("$.paused").value(true));
        mvc.perform(admin(post("/api/admin/schedule/resume"))).andExpect(jsonPath("$.paused").value(false));
        mvc.perform(post("/api/admin/schedule/pause").header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isForbidden());
    }

    private void due(int count) {
        fixtures.dueCheckouts(0, count);
    }

    private long launchAndWait(BatchStatus expected) throws Exception {
        long id = executionId(mvc.perform(admin(post("/api/admin/jobs/flowExecution/launch")))
            .andExpect(status().isAccepted())
            .andReturn()
            .getResponse()
            .getContentAsString());
        await().atMost(Duration.ofSeconds(30)).until(() -> !jobRepository.getJobExecution(id).isRunning());
        assertThat(jobRepository.getJobExecution(id).getStatus()).isEqualTo(expected);
        return id;
    }

    private long count(String where) {
        return fixtures.count(where);
    }

    private static long executionId(String json) {
        return Long.parseLong(json.replaceAll(".*\"executionId\":(\\d+).*", "$1"));
    }

    private static MockHttpServletRequestBuilder admin(MockHttpServletRequestBuilder request) {
        return request.with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD));
    }

}
