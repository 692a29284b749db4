package io.flowbatch.intake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.StatementCounter;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.flow;
import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A bulk request is a fixed number of statements, whatever its size: counted, not
 * guessed.
 */
@FlowbatchTest
class BulkIntakeStatementsTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    @Autowired
    JsonMapper json;

    @BeforeEach
    void reset() {
        data.reset();
    }

    @Test
    void tenThousandEventsCostTheSameStatementsAsTen() throws Exception {
        mvc.perform(postJson("/api/flows", flow("Abandoned checkout", "Started Checkout", "Placed Order", "PT4H")));

        List<String> small = statementsFor(events(10, "small"));
        List<String> large = statementsFor(events(10_000, "large"));

        System.out.printf("POST /api/events: %d statements for 10 events, %d for 10,000 events: %s%n", small.size(),
                large.size(), large);
        assertThat(large).hasSameSizeAs(small);
        assertThat(large.size()).isLessThanOrEqualTo(3);
        assertThat(data.count("event")).isEqualTo(10_010);
        assertThat(data.count("evaluation")).isEqualTo(10_010);
        assertThat(data.count("customer")).isEqualTo(10_000);
    }

    @Test
    void tenThousandCustomersAreOneStatement() throws Exception {
        List<Map<String, Object>> customers = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            customers.add(Map.of("email", "customer" + i + "@example.com", "firstName", "C" + i, "properties",
                    Map.of("n", i)));
        }
        StatementCounter.reset();
        mvc.perform(postJson("/api/customers", json.writeValueAsString(customers)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.created").value(10_000));
        List<String> statements = StatementCounter.statements();

        System.out.printf("POST /api/customers: %d statements for 10,000 customers%n", statements.size());
        assertThat(statements).hasSize(1);
    }

    @Test
    void moreItemsThanTheLimitAreRefusedWhole() throws Exception {
        mvc.perform(postJson("/api/events", json.writeValueAsString(events(10_001, "over"))))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].message").value("must hold at most 10000 items, got 10001"));
        assertThat(data.count("event")).isZero();
    }

    private List<String> statementsFor(List<Map<String, Object>> events) throws Exception {
        String body = json.writeValueAsString(events);
        StatementCounter.reset();
        mvc.perform(postJson("/api/events", body))
            .andExpect(status().isAccepted())
            .andExpect(jsonPath("$.accepted").value(events.size()));
        return StatementCounter.statements();
    }

    private static List<Map<String, Object>> events(int count, String prefix) {
        List<Map<String, Object>> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("email", "shopper" + i + "@example.com");
            event.put("metric", "Started Checkout");
            event.put("uniqueId", prefix + "-" + i);
            event.put("properties", Map.of("cartValue", i, "cartUrl", "https://shop.example.com/cart/" + i));
            events.add(event);
        }
        return events;
    }

}
