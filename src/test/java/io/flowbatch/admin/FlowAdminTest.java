package io.flowbatch.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A flow as operators see it: each step's counts in {@code GET /api/admin/flows/{id}}
 * (states, skips by cause, where a split sent its customers) and the flow page that draws
 * the graph with them.
 */
@FlowbatchTest
class FlowAdminTest {

    static final String FLOW = """
            {"name": "VIP checkout", "trigger": {"metric": "Started Checkout"},
             "profileFilter": {"not": {"property": "customer.properties.segment", "op": "eq", "value": "wholesale"}},
             "steps": [
               {"id": "wait", "type": "delay", "delay": "PT1H", "next": "vip"},
               {"id": "vip", "type": "split", "condition": {"property": "customer.properties.tier", "op": "eq", "value": "gold"},
                "yes": "mail", "no": null},
               {"id": "mail", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "For you", "html": "<p>Hi</p>"}}]}
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
    void eachStepShowsItsCountsAndTheFlowPageDrawsThem() throws Exception {
        mvc.perform(postJson("/api/flows", FLOW)).andExpect(status().isCreated());
        long flowId = fixture.data().jdbc().sql("SELECT id FROM flow").query(Long.class).single();
        // Ten customers: three gold, one of them wholesale.
        List<Map<String, Object>> customers = new ArrayList<>();
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            customers.add(Map.of("email", "v" + i + "@example.com", "properties",
                    Map.of("tier", (i < 3) ? "gold" : "none", "segment", (i == 0) ? "wholesale" : "retail")));
            events.add(Map.of("email", "v" + i + "@example.com", "metric", "Started Checkout", "time",
                    Instant.now().minus(Duration.ofHours(2)).toString()));
        }
        mvc.perform(postJson("/api/customers", json.writeValueAsString(customers))).andExpect(status().isOk());
        mvc.perform(postJson("/api/events", json.writeValueAsString(events))).andExpect(status().isAccepted());
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        mvc.perform(get("/api/admin/flows/{id}", flowId)
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.name").value("VIP checkout"))
            .andExpect(jsonPath("$.steps[0].id").value("wait"))
            .andExpect(jsonPath("$.steps[0].states.DONE").value(10))
            .andExpect(jsonPath("$.steps[0].states.length()").value(12))
            .andExpect(jsonPath("$.steps[1].yes").value("mail"))
            .andExpect(jsonPath("$.steps[1].went.yes").value(3))
            .andExpect(jsonPath("$.steps[1].went.no").value(7))
            .andExpect(jsonPath("$.steps[2].states.SENT").value(2))
            .andExpect(jsonPath("$.steps[2].states.SKIPPED").value(1))
            .andExpect(jsonPath("$.steps[2].skipped['profile filter']").value(1));
        mvc.perform(get("/api/admin/flows/{id}", 999_999)
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD))).andExpect(status().isNotFound());
        mvc.perform(get("/api/admin/flows/{id}", flowId)).andExpect(status().isUnauthorized());

        String page = mvc.perform(get("/admin/flows/{id}", flowId).with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andReturn()
            .getResponse()
            .getContentAsString();
        assertThat(page).contains("<svg id=\"flow-graph\"", "data-step=\"wait\"", "data-step=\"vip\"",
                "data-step=\"mail\"", "yes: 3 · no: 7", "2 sent · 1 skipped", "profile filter: 1", "no (end)",
                "id=\"pause-flow\"", "id=\"archive-flow\"");

        String list = mvc.perform(get("/admin/flows").with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andReturn()
            .getResponse()
            .getContentAsString();
        assertThat(list).contains("data-flow=\"" + flowId + "\"", "VIP checkout", "Started Checkout");

        // The page's buttons move the flow, and a move it cannot make is said, not done.
        mvc.perform(post("/admin/flows/{id}/pause", flowId).with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN"))
            .with(csrf()))
            .andExpect(status().is3xxRedirection())
            .andExpect(flash().attribute("message", "Flow " + flowId + " is PAUSED."));
        mvc.perform(post("/admin/flows/{id}/pause", flowId).with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN"))
            .with(csrf())).andExpect(flash().attributeExists("error"));
        assertThat(fixture.data().jdbc().sql("SELECT status FROM flow").query(String.class).single())
            .isEqualTo("PAUSED");
    }

}
