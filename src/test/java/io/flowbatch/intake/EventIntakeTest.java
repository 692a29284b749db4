package io.flowbatch.intake;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.flow;
import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@FlowbatchTest
class EventIntakeTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    @BeforeEach
    void reset() {
        data.reset();
    }

    @Test
    void triggerEventCreatesOneEvaluationPerLiveFlowForItsFirstActionDueAfterTheDelay() throws Exception {
        mvc.perform(
                postJson("/api/flows", flow("Abandoned checkout", "Started Checkout", "Placed Order", "PT4H", "PT24H")))
            .andExpect(status().isCreated());
        mvc.perform(postJson("/api/flows", flow("Browse abandonment", "Started Checkout", "Placed Order", "PT30M")))
            .andExpect(status().isCreated());
        mvc.perform(postJson("/api/flows", flow("Welcome", "Subscribed", "Unsubscribed", "PT0S")))
            .andExpect(status().isCreated());
        Instant time = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);

        mvc.perform(postJson("/api/events", """
                [{"email": "Jane@Example.com", "metric": "Started Checkout", "time": "%s", "uniqueId": "c-1",
                  "properties": {"cartValue": 42.5}},
                 {"email": "joe@example.com", "metric": "Placed Order", "time": "%s"}]
                """.formatted(time, time)))
            .andExpect(status().isAccepted())
            .andExpect(jsonPath("$.accepted").value(2))
            .andExpect(jsonPath("$.duplicates").value(0))
            .andExpect(jsonPath("$.evaluationsCreated").value(2));

        List<Map<String, Object>> evaluations = data.jdbc().sql("""
                SELECT f.name, a.position, e.state, e.attempts, e.flow_started_at, e.due_at, c.email, e.event_id
                FROM evaluation e JOIN action a ON a.id = e.action_id JOIN flow f ON f.id = a.flow_id
                JOIN customer c ON c.id = e.customer_id ORDER BY f.name
                """).query().listOfRows();
        assertThat(evaluations).hasSize(2);
        assertThat(evaluations).extracting((row) -> row.get("name"))
            .containsExactly("Abandoned checkout", "Browse abandonment");
        assertThat(evaluations).allSatisfy((row) -> {
            assertThat(row.get("position")).isEqualTo(1);
            assertThat(row.get("state")).isEqualTo("WAITING");
            assertThat(row.get("attempts")).isEqualTo(0);
            assertThat(row.get("email")).isEqualTo("jane@example.com");
            assertThat(row.get("event_id")).isNotNull();
            assertThat(instant(row.get("flow_started_at"))).isEqualTo(time);
        });
        assertThat(instant(evaluations.get(0).get("due_at"))).isEqualTo(time.plus(Duration.ofHours(4)));
        assertThat(instant(evaluations.get(1).get("due_at"))).isEqualTo(time.plus(Duration.ofMinutes(30)));
        assertThat(data.count("customer")).isEqualTo(2);
    }

    @Test
    void eventWithoutTimeIsDueFromItsArrival() throws Exception {
        mvc.perform(postJson("/api/flows", flow("Abandoned checkout", "Started Checkout", "Placed Order", "PT1H")));
        Instant before = Instant.now();

        mvc.perform(postJson("/api/events", """
                [{"email": "jane@example.com", "metric": "Started Checkout"}]
                """)).andExpect(status().isAccepted()).andExpect(jsonPath("$.evaluationsCreated").value(1));

        Instant due = data.jdbc().sql("SELECT due_at FROM evaluation").query(OffsetDateTime.class).single().toInstant();
        assertThat(due).isBetween(before.plus(Duration.ofHours(1)).minusSeconds(1),
                Instant.now().plus(Duration.ofHours(1)));
    }

    @Test
    void duplicateUniqueIdCreatesNothingTwice() throws Exception {
        mvc.perform(postJson("/api/flows", flow("Abandoned checkout", "Started Checkout", "Placed Order", "PT4H")));
        String events = """
                [{"email": "jane@example.com", "metric": "Started Checkout", "uniqueId": "checkout-1"},
                 {"email": "jane@example.com", "metric": "Started Checkout", "uniqueId": "checkout-1"},
                 {"email": "joe@example.com", "metric": "Started Checkout", "uniqueId": "checkout-2"}]
                """;

        mvc.perform(postJson("/api/events", events))
            .andExpect(status().isAccepted())
            .andExpect(jsonPath("$.accepted").value(2))
            .andExpect(jsonPath("$.duplicates").value(1))
            .andExpect(jsonPath("$.evaluationsCreated").value(2));
        mvc.perform(postJson("/api/events", events))
            .andExpect(status().isAccepted())
            .andExpect(jsonPath("$.accepted").value(0))
            .andExpect(jsonPath("$.duplicates").value(3))
            .andExpect(jsonPath("$.evaluationsCreated").value(0));

        assertThat(data.count("event")).isEqualTo(2);
        assertThat(data.count("evaluation")).isEqualTo(2);
        assertThat(data.count("customer")).isEqualTo(2);
    }

    @Test
    void draftFlowsAndHistoricEventsCreateNoEvaluation() throws Exception {
        mvc.perform(postJson("/api/flows", flow("Live", "Started Checkout", "Placed Order", "PT4H")));
        mvc.perform(postJson("/api/flows", flow("Draft", "Started Checkout", "Placed Order", "PT4H")
            .replace("\"actions\"", "\"status\": \"DRAFT\", \"actions\"")));
        Instant lastMonth = Instant.now().minus(Duration.ofDays(30));

        mvc.perform(postJson("/api/events", """
                [{"email": "jane@example.com", "metric": "Started Checkout"},
                 {"email": "joe@example.com", "metric": "Started Checkout", "time": "%s"}]
                """.formatted(lastMonth)))
            .andExpect(status().isAccepted())
            .andExpect(jsonPath("$.accepted").value(2))
            .andExpect(jsonPath("$.evaluationsCreated").value(1));
    }

    @Test
    void invalidEventsAreNamedByIndexAndFieldAndNothingIsWritten() throws Exception {
        mvc.perform(postJson("/api/flows", flow("Abandoned checkout", "Started Checkout", "Placed Order", "PT4H")));
        Map<String, Long> before = data.counts();

        mvc.perform(postJson("/api/events", """
                [{"email": "jane@example.com", "metric": "Started Checkout"},
                 {"email": "not-an-address", "metric": "Started Checkout"},
                 {"email": "joe@example.com", "metric": ""},
                 {"email": "ann@example.com", "metric": "Started\\r\\nBcc: x@example.com"}]
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors.length()").value(3))
            .andExpect(jsonPath("$.errors[0].field").value("[1].email"))
            .andExpect(jsonPath("$.errors[1].field").value("[2].metric"))
            .andExpect(jsonPath("$.errors[2].field").value("[3].metric"));
        mvc.perform(postJson("/api/events", """
                [{"email": "jane@example.com", "metric": "Started Checkout"},
                 {"email": "joe@example.com", "metric": "Started Checkout", "time": "yesterday"}]
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("[1].time"))
            .andExpect(jsonPath("$.errors[0].message").value("must be an ISO-8601 time such as 2026-11-26T10:00:00Z"));
        mvc.perform(postJson("/api/events", "{\"email\": \"jane@example.com\"}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].message").value("must be a JSON array"));
        mvc.perform(postJson("/api/events", "[]")).andExpect(status().isBadRequest());
        mvc.perform(postJson("/api/events", "[{\"email\": ")).andExpect(status().isBadRequest());

        assertThat(data.counts()).isEqualTo(before);
    }

    private static Instant instant(Object timestamp) {
        return (timestamp instanceof OffsetDateTime odt) ? odt.toInstant()
                : ((java.sql.Timestamp) timestamp).toInstant();
    }

}
