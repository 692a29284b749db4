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
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
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
