package io.flowbatch.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.intake.EventRequest;
import io.flowbatch.intake.IntakeService;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Operators list evaluations with reasons, requeue FAILED and IN_DOUBT ones, close
 * IN_DOUBT ones.
 */
@FlowbatchTest
class EvaluationAdminTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    @Autowired
    FlowService flows;

    @Autowired
    IntakeService intake;

    long action;

    List<Long> ids;

    @BeforeEach
    void evaluationsInEveryOperatorState() {
        data.reset();
        action = flows
            .create(new FlowRequest("Checkout", new FlowRequest.Trigger("Started Checkout"), List.of(), null,
                    List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                            new FlowRequest.Email("shop@example.com", "Hi", "<p>Hi</p>", null)),
                            new FlowRequest.ActionRequest(Duration.ofDays(1), ActionStatus.LIVE,
                                    new FlowRequest.Email("shop@example.com", "Again", "<p>Again</p>", null)))))
            .actions()
            .get(0)
            .id();
        for (int i = 0; i < 6; i++) {
            intake.ingestEvents(List
                .of(new EventRequest("c" + i + "@example.com", "Started Checkout", Instant.now(), null, Map.of())));
        }
        ids = data.jdbc().sql("SELECT id FROM evaluation ORDER BY id").query(Long.class).list();
        data.jdbc()
            .sql("UPDATE evaluation SET state = 'FAILED', attempts = 5, reason = 'refused: 550' WHERE id IN (:a, :b)")
            .param("a", ids.get(0))
            .param("b", ids.get(1))
            .update();
        data.jdbc()
            .sql("UPDATE evaluation SET state = 'IN_DOUBT', attempts = 1, reason = 'connection lost' WHERE id IN (:a, :b)")
            .param("a", ids.get(2))
            .param("b", ids.get(3))
            .update();
    }

    @Test
    void listsByActionAndStateWithReasonsAndPages() throws Exception {
        mvc.perform(
                admin(get("/api/admin/evaluations").param("actionId", Long.toString(action)).param("state", "FAILED")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.total").value(2))
            .andExpect(jsonPath("$.items[0].reason").value("refused: 550"))
            .andExpect(jsonPath("$.items[0].email").value("c1@example.com"));
        mvc.perform(admin(get("/api/admin/evaluations").param("size", "4").param("page", "1")))
            .andExpect(jsonPath("$.total").value(6))
            .andExpect(jsonPath("$.items.length()").value(2));
        mvc.perform(admin(get("/api/admin/evaluations").param("state", "LOST"))).andExpect(status().isBadRequest());
        mvc.perform(admin(get("/api/admin/evaluations").param("size", "5000"))).andExpect(status().isBadRequest());
    }

    @Test
    void requeueMovesOnlyFailedAndInDoubtBackToWaitingDueNow() throws Exception {
        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"ids\": [%d, %d, %d]}".formatted(ids.get(0), ids.get(2), ids.get(5))))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.requeued").value(2));
        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"actionId\": %d, \"state\": \"IN_DOUBT\"}".formatted(action)))
            .andExpect(jsonPath("$.requeued").value(1));
        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"actionId\": %d, \"state\": \"SENT\"}".formatted(action)))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("state"));

        assertThat(
                count("state = 'WAITING' AND attempts = 0 AND due_at <= now() AND reason = 'requeued by an operator'"))
            .isEqualTo(3);
        assertThat(count("state = 'FAILED'")).isEqualTo(1);
        assertThat(count("state = 'IN_DOUBT'")).isZero();
    }

    @Test
    void inDoubtCanBeClosedAsSentOrFailedAndNothingElse() throws Exception {
        mvc.perform(admin(post("/api/admin/evaluations/resolve")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"ids\": [%d, %d], \"state\": \"SENT\"}".formatted(ids.get(2), ids.get(0))))
            .andExpect(jsonPath("$.resolved").value(1));
        mvc.perform(admin(post("/api/admin/evaluations/resolve")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"ids\": [%d], \"state\": \"WAITING\"}".formatted(ids.get(3))))
            .andExpect(status().isBadRequest());

        assertThat(count("state = 'SENT' AND reason = 'closed as SENT by an operator'")).isEqualTo(1);
        assertThat(count("state = 'FAILED'")).isEqualTo(2);
        // Closed as sent is what a send records: the delivery log, and the flow's next
        // step.
        assertThat(data.jdbc()
            .sql("SELECT message_id FROM delivery_log WHERE evaluation_id = :id")
            .param("id", ids.get(2))
            .query(String.class)
            .single()).isEqualTo("<evaluation-" + ids.get(2) + "@flowbatch.local>");
        assertThat(count("action_id <> " + action + " AND state = 'WAITING' AND due_at > now() + interval '23 hours'"))
            .isEqualTo(1);
    }

    /**
     * D3: the README says to close an IN_DOUBT as FAILED when a duplicate is worse than a
     * miss, and to requeue FAILED by action after an outage. Doing both resent the
     * message that may have gone.
     */
    @Test
    void d3ARowClosedFromInDoubtIsNeverRequeuedInBulkAndByIdOnlyWithAConfirmation() throws Exception {
        mvc.perform(admin(post("/api/admin/evaluations/resolve")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"ids\": [%d], \"state\": \"FAILED\"}".formatted(ids.get(2))))
            .andExpect(jsonPath("$.resolved").value(1));

        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"actionId\": %d, \"state\": \"FAILED\"}".formatted(action)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.requeued").value(2))
            .andExpect(jsonPath("$.refused").value(1))
            .andExpect(jsonPath("$.refusals[0].id").value(ids.get(2)))
            .andExpect(jsonPath("$.refusals[0].reason")
                .value(org.hamcrest.Matchers.containsString("closed from IN_DOUBT")));
        assertThat(count("id = " + ids.get(2) + " AND state = 'FAILED'")).isEqualTo(1);

        mvc.perform(
                admin(get("/api/admin/evaluations").param("actionId", Long.toString(action)).param("state", "FAILED")))
            .andExpect(jsonPath("$.items[0].id").value(ids.get(2)))
            .andExpect(jsonPath("$.items[0].closedFromInDoubt").value(true))
            .andExpect(jsonPath("$.items[0].inDoubtClosedAt").isNotEmpty());
        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"ids\": [%d]}".formatted(ids.get(2))))
            .andExpect(jsonPath("$.requeued").value(0))
            .andExpect(
                    jsonPath("$.refusals[0].reason").value(org.hamcrest.Matchers.containsString("confirmDuplicate")));
        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"actionId\": %d, \"state\": \"FAILED\", \"confirmDuplicate\": true}".formatted(action)))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("confirmDuplicate"));
        assertThat(count("id = " + ids.get(2) + " AND state = 'FAILED'")).isEqualTo(1);

        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"ids\": [%d], \"confirmDuplicate\": true}".formatted(ids.get(2))))
            .andExpect(jsonPath("$.requeued").value(1));
        assertThat(count("id = " + ids.get(2) + " AND state = 'WAITING' AND in_doubt_closed_at IS NULL"
                + " AND reason LIKE '%accepted a possible duplicate'"))
            .isEqualTo(1);
    }

    /**
     * The page says which FAILED rows were closed from IN_DOUBT, and offers only a
     * confirmed requeue for them.
     */
    @Test
    void d3TheActionPageMarksRowsClosedFromInDoubt() throws Exception {
        data.jdbc()
            .sql("UPDATE evaluation SET state = 'FAILED', in_doubt_closed_at = now() WHERE id = :id")
            .param("id", ids.get(2))
            .update();

        String page = mvc
            .perform(get("/admin/actions/" + action).param("state", "FAILED")
                .with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andReturn()
            .getResponse()
            .getContentAsString();

        assertThat(page).contains("closed from IN_DOUBT")
            .contains("Requeue anyway (may duplicate)")
            .contains("name=\"confirmDuplicate\"");
    }

    private long count(String where) {
        return data.jdbc().sql("SELECT count(*) FROM evaluation WHERE " + where).query(Long.class).single();
    }

    private static MockHttpServletRequestBuilder admin(MockHttpServletRequestBuilder request) {
        return request.with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD));
    }

}
