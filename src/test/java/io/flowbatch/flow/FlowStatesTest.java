package io.flowbatch.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.StatementCounter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A flow's states: paused, it holds every pending evaluation where it is and starts none;
 * resumed, they go on; archived, every pending one is CANCELLED in a fixed number of
 * statements and nothing starts it again.
 */
@FlowbatchTest
class FlowStatesTest {

    static final String FLOW = """
            {"name": "States", "trigger": {"metric": "Started Checkout"},
             "steps": [
               {"id": "wait", "type": "delay", "delay": "PT1H", "next": "mail"},
               {"id": "mail", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "Hi", "html": "<p>Hi</p>"}}]}
            """;

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixture;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void pausedHoldsEverythingResumedGoesOnArchivedCancelsEverythingPending() throws Exception {
        mvc.perform(postJson("/api/flows", FLOW)).andExpect(status().isCreated());
        long flow = fixture.data().jdbc().sql("SELECT id FROM flow").query(Long.class).single();
        fixture.customers(0, 1_010);
        // Ten customers due now; a thousand due in an hour.
        fixture.events("Started Checkout", 0, 10, Instant.now().minus(Duration.ofHours(2)));
        fixture.events("Started Checkout", 10, 1_010, Instant.now());

        move(flow, "pause").andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("PAUSED"))
            .andExpect(jsonPath("$.cancelled").value(0));
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.smtp().received()).isEmpty();
        assertThat(fixture.count("state = 'WAITING'")).isEqualTo(1_010);
        // A paused flow starts no one.
        fixture.events("Started Checkout", 1_000, 1_005, Instant.now());
        assertThat(fixture.count("true")).isEqualTo(1_010);
        move(flow, "pause").andExpect(status().isConflict());

        move(flow, "resume").andExpect(status().isOk()).andExpect(jsonPath("$.status").value("LIVE"));
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.smtp().received()).hasSize(10);

        StatementCounter.reset();
        move(flow, "archive").andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("ARCHIVED"))
            .andExpect(jsonPath("$.cancelled").value(1_000));
        List<String> statements = StatementCounter.statements();
        System.out.printf("Archiving a flow with 1,000 pending evaluations: %d statements: %s%n", statements.size(),
                statements);
        assertThat(statements).hasSize(2);
        assertThat(fixture.count("state = 'CANCELLED' AND reason LIKE 'flow archived at %'")).isEqualTo(1_000);
        assertThat(fixture.count("state IN ('WAITING', 'BUFFERED')")).isZero();

        // For good: nothing starts it, nothing moves it.
        move(flow, "resume").andExpect(status().isConflict())
            .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("is ARCHIVED")));
        move(flow, "archive").andExpect(status().isConflict());
        fixture.events("Started Checkout", 0, 5, Instant.now().minus(Duration.ofHours(2)));
        assertThat(fixture.count("state = 'WAITING'")).isZero();
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.smtp().received()).hasSize(10);
        move(999_999, "pause").andExpect(status().isNotFound());
        assertThat(fixture.data().counterDrift()).as("counters vs GROUP BY").isEmpty();
    }

    @Test
    void whatTurnsUpPendingInAnArchivedFlowIsCancelledByTheNextRun() throws Exception {
        mvc.perform(postJson("/api/flows", FLOW)).andExpect(status().isCreated());
        long flow = fixture.data().jdbc().sql("SELECT id FROM flow").query(Long.class).single();
        fixture.customers(0, 10);
        fixture.smtp().replyAlways(Fixtures.email(0), "550 5.1.1 No such user");
        fixture.events("Started Checkout", 0, 10, Instant.now().minus(Duration.ofHours(2)));
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state = 'FAILED'")).isEqualTo(1);
        move(flow, "archive").andExpect(status().isOk());

        // An operator requeues the failed send; a start that read the flow live commits
        // after the archive.
        long mail = fixture.data()
            .jdbc()
            .sql("SELECT id FROM action WHERE step_key = 'mail'")
            .query(Long.class)
            .single();
        mvc.perform(post("/api/admin/evaluations/requeue")
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD))
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"actionId\": " + mail + ", \"state\": \"FAILED\"}")).andExpect(status().isOk());
        fixture.data()
            .jdbc()
            .sql("INSERT INTO evaluation (action_id, customer_id, flow_started_at, due_at)"
                    + " SELECT a.id, 1, now(), now() FROM action a WHERE a.step_key = 'wait'")
            .update();
        assertThat(fixture.count("state = 'WAITING'")).isEqualTo(2);
        fixture.smtp().reset();

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.smtp().received()).isEmpty();
        assertThat(fixture.count("state = 'CANCELLED' AND reason = 'flow archived; found pending by a later run'"))
            .isEqualTo(2);
        assertThat(fixture.count("state IN ('WAITING', 'BUFFERED')")).isZero();
    }

    @Test
    void aNewFlowIsLiveOrDraft() throws Exception {
        mvc.perform(postJson("/api/flows",
                FLOW.replace("\"name\": \"States\",", "\"name\": \"States\", \"status\": \"PAUSED\",")))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("status"));
        assertThat(fixture.data().count("flow")).isZero();
    }

    private org.springframework.test.web.servlet.ResultActions move(long flow, String move) throws Exception {
        return mvc.perform(post("/api/flows/{id}/" + move, flow).header("X-Api-Key", FlowbatchTest.API_KEY));
    }

}
