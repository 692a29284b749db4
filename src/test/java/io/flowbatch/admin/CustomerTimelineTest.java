package io.flowbatch.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.util.HtmlUtils;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * "Why didn't jane@example.com get the abandoned-cart email?" answered on one page: her
 * consent, events, every evaluation with its reason, every message with its reply and
 * what came after.
 */
@FlowbatchTest
class CustomerTimelineTest {

    static final String FLOW = """
            {"name": "Abandoned cart", "trigger": {"metric": "Started Checkout"},
             "profileFilter": {"not": {"property": "customer.properties.segment", "op": "eq", "value": "wholesale"}},
             "steps": [{"id": "mail", "type": "email", "smartSending": false,
                        "email": {"from": "Shop <shop@example.com>", "subject": "Your cart", "html": "<p>Cart</p>"}}]}
            """;

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixture;

    @Autowired
    JsonMapper json;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void oneCustomersEvaluationsMessagesAndConsentOnOnePage() throws Exception {
        mvc.perform(postJson("/api/flows", FLOW)).andExpect(status().isCreated());
        mvc.perform(postJson("/api/customers",
                json.writeValueAsString(List.of(
                        Map.of("email", "jane@example.com", "firstName", "Jane", "properties",
                                Map.of("segment", "wholesale")),
                        Map.of("email", "tom@example.com", "firstName", "Tom")))))
            .andExpect(status().isOk());
        for (int i = 0; i < 3; i++) {
            mvc.perform(postJson("/api/events",
                    json.writeValueAsString(List.of(
                            Map.of("email", "jane@example.com", "metric", (i == 0) ? "Started Checkout" : "Viewed",
                                    "time", Instant.now().minus(Duration.ofMinutes(10 - i)).toString()),
                            Map.of("email", "tom@example.com", "metric", (i == 0) ? "Started Checkout" : "Viewed")))))
                .andExpect(status().isAccepted());
        }
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        mvc.perform(get("/api/admin/customers").param("email", " JANE@example.com ")
            .param("size", "2")
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.customer.email").value("jane@example.com"))
            .andExpect(jsonPath("$.customer.subscription").value("SUBSCRIBED"))
            .andExpect(jsonPath("$.customer.suppressed").value(false))
            .andExpect(jsonPath("$.customer.properties.segment").value("wholesale"))
            .andExpect(jsonPath("$.events.total").value(3))
            .andExpect(jsonPath("$.events.items.length()").value(2))
            .andExpect(jsonPath("$.events.items[0].metric").value("Viewed"))
            .andExpect(jsonPath("$.evaluations.length()").value(1))
            .andExpect(jsonPath("$.evaluations[0].flowName").value("Abandoned cart"))
            .andExpect(jsonPath("$.evaluations[0].step").value("mail"))
            .andExpect(jsonPath("$.evaluations[0].state").value("SKIPPED"))
            .andExpect(jsonPath("$.evaluations[0].reason").value("profile filter: customer no longer meets it"))
            .andExpect(jsonPath("$.messages.length()").value(0));

        mvc.perform(get("/api/admin/customers").param("email", "tom@example.com")
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.evaluations.length()").value(1))
            .andExpect(jsonPath("$.evaluations[0].state").value("SENT"))
            .andExpect(jsonPath("$.messages.length()").value(1))
            .andExpect(jsonPath("$.messages[0].messageId").value(org.hamcrest.Matchers.startsWith("<evaluation-")))
            .andExpect(jsonPath("$.messages[0].reply").value(org.hamcrest.Matchers.startsWith("250")));
        mvc.perform(get("/api/admin/customers").param("email", "nobody@example.com")
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD))).andExpect(status().isNotFound());
        mvc.perform(get("/api/admin/customers").param("email", "jane@example.com"))
            .andExpect(status().isUnauthorized());

        String page = mvc
            .perform(get("/admin/customers").param("email", "jane@example.com")
                .with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andReturn()
            .getResponse()
            .getContentAsString();
        assertThat(page).contains("id=\"customer-evaluations\"", "profile filter: customer no longer meets it",
                "Abandoned cart", HtmlUtils.htmlEscape("{\"segment\":\"wholesale\"}"));
    }

}
