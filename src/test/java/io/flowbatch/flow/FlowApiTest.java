package io.flowbatch.flow;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import static io.flowbatch.support.Api.flow;
import static io.flowbatch.support.Api.postJson;
import static io.flowbatch.support.Api.putJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@FlowbatchTest
class FlowApiTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    @BeforeEach
    void reset() {
        data.reset();
    }

    @Test
    void createsFlowWithActionsInOrderAndTemplates() throws Exception {
        MvcResult created = mvc
            .perform(postJson("/api/flows",
                    flow("Abandoned checkout", "Started Checkout", "Placed Order", "PT4H", "P1D")))
            .andExpect(status().isCreated())
            .andExpect(jsonPath("$.id").isNumber())
            .andExpect(jsonPath("$.actions.length()").value(2))
            .andReturn();
        long id = data.jdbc().sql("SELECT id FROM flow").query(Long.class).single();

        mvc.perform(get("/api/flows/{id}", id).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.name").value("Abandoned checkout"))
            .andExpect(jsonPath("$.triggerMetric").value("Started Checkout"))
            .andExpect(jsonPath("$.exitMetrics[0]").value("Placed Order"))
            .andExpect(jsonPath("$.status").value("LIVE"))
            .andExpect(jsonPath("$.actions[0].position").value(1))
            .andExpect(jsonPath("$.actions[0].delay").value("PT4H"))
            .andExpect(jsonPath("$.actions[0].kind").value("MARKETING"))
            .andExpect(jsonPath("$.actions[1].delay").value("PT24H"))
            .andExpect(jsonPath("$.actions[1].templateVersion").value(1));
        assertThat(created.getResponse().getContentAsString()).contains("\"id\":" + id);
        assertThat(data.count("template")).isEqualTo(2);
    }

    @Test
    void aTransactionalActionIsStoredAndShownAsSuch() throws Exception {
        mvc.perform(postJson("/api/flows", """
                {"name": "Order confirmation", "trigger": {"metric": "Placed Order"}, "actions": [{"delay": "PT0S",
                 "status": "LIVE", "kind": "TRANSACTIONAL",
                 "email": {"from": "shop@example.com", "subject": "Your order", "html": "<p>Thanks</p>"}}]}
                """)).andExpect(status().isCreated());
        long id = data.jdbc().sql("SELECT id FROM flow").query(Long.class).single();

        mvc.perform(get("/api/flows/{id}", id).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.actions[0].kind").value("TRANSACTIONAL"));
    }

    @Test
    void actionStatusChangesAndUnknownActionIsNotFound() throws Exception {
        mvc.perform(postJson("/api/flows", flow("Welcome", "Subscribed", "Unsubscribed", "PT0S")));
        long actionId = data.jdbc().sql("SELECT id FROM action").query(Long.class).single();

        mvc.perform(putJson("/api/actions/" + actionId + "/status", "{\"status\": \"PAUSED\"}"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("PAUSED"));
        assertThat(data.jdbc().sql("SELECT status FROM action").query(String.class).single()).isEqualTo("PAUSED");

        mvc.perform(putJson("/api/actions/" + actionId + "/status", "{\"status\": \"RUNNING\"}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("status"))
            .andExpect(jsonPath("$.errors[0].message").value("must be one of [LIVE, MANUAL, DRAFT, PAUSED]"));
        mvc.perform(putJson("/api/actions/" + actionId + "/status", "{}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("status"));
        mvc.perform(putJson("/api/actions/999999/status", "{\"status\": \"LIVE\"}")).andExpect(status().isNotFound());
        assertThat(data.jdbc().sql("SELECT status FROM action").query(String.class).single()).isEqualTo("PAUSED");
    }

    /**
     * "exitMetric" for "exitMetrics", silently ignored, made a flow that emails every
     * customer who ordered.
     */
    @Test
    void aFieldTheApiDoesNotKnowIsABadRequestNamingItAndWritesNothing() throws Exception {
        mvc.perform(postJson("/api/flows", """
                {"name": "Checkout", "trigger": {"metric": "Started Checkout"}, "exitMetric": ["Placed Order"],
                 "actions": [{"delay": "PT4H", "status": "LIVE",
                              "email": {"from": "shop@example.com", "subject": "Hi", "html": "<p>ok</p>"}}]}
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("exitMetric"))
            .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString("exitMetrics")));
        mvc.perform(postJson("/api/flows", """
                {"name": "Checkout", "trigger": {"metric": "Started Checkout"},
                 "actions": [{"delay": "PT4H", "status": "LIVE", "quietHours": {"from": "21:00"},
                              "email": {"from": "shop@example.com", "subject": "Hi", "html": "<p>ok</p>"}}]}
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("actions[0].quietHours"));

        assertThat(data.count("flow")).isZero();
    }

    @Test
    void invalidFlowNamesEachBadFieldAndWritesNothing() throws Exception {
        mvc.perform(postJson("/api/flows",
                """
                        {"name": "", "trigger": {"metric": "Started Checkout"}, "exitMetrics": ["Placed Order"],
                         "actions": [
                           {"delay": "PT4H", "status": "LIVE", "email": {"from": "shop@example.com", "subject": "Hi", "html": "<p>ok</p>"}},
                           {"delay": "-PT1H", "status": "LIVE", "email": {"from": "not an address", "subject": "Hi", "html": ""}}
                         ]}
                        """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("actions[1].email.html"))
            .andExpect(jsonPath("$.errors[1].field").value("name"));
        mvc.perform(postJson("/api/flows", """
                {"name": "x", "trigger": {"metric": "M"}, "actions": [{"delay": "four hours", "status": "LIVE",
                 "email": {"from": "shop@example.com", "subject": "Hi", "html": "<p>ok</p>"}}]}
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("actions[0].delay"))
            .andExpect(jsonPath("$.errors[0].message").value("must be an ISO-8601 duration such as PT4H"));
        mvc.perform(postJson("/api/flows", """
                {"name": "x", "trigger": {"metric": "M"}, "actions": [{"delay": "-PT1H", "status": "LIVE",
                 "email": {"from": "not an address", "subject": "Hi", "html": "<p>ok</p>"}}]}
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("actions[0].delay"))
            .andExpect(jsonPath("$.errors[1].field").value("actions[0].email.from"));
        mvc.perform(postJson("/api/flows", """
                {"name": "x", "trigger": {"metric": "M"}, "actions": [{"delay": "PT1H", "status": "LIVE",
                 "kind": "PROMOTIONAL", "email": {"from": "shop@example.com", "subject": "Hi", "html": "<p>ok</p>"}}]}
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("actions[0].kind"));

        assertThat(data.counts()).containsEntry("flow", 0L).containsEntry("action", 0L).containsEntry("template", 0L);
    }

    @Test
    void deliveryControlsAreStoredAndShown() throws Exception {
        mvc.perform(postJson("/api/flows", """
                {"name": "Browse abandonment", "trigger": {"metric": "Viewed Product"}, "actions": [{"delay": "P1D",
                 "at": "10:00", "status": "LIVE", "smartSending": false, "onCap": "DEFER",
                 "sendWindow": {"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "09:00", "to": "20:00"},
                 "email": {"from": "shop@example.com", "subject": "Still looking?", "html": "<p>Hi</p>"}}]}
                """)).andExpect(status().isCreated());
        long id = data.jdbc().sql("SELECT id FROM flow").query(Long.class).single();

        mvc.perform(get("/api/flows/{id}", id).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.actions[0].at").value("10:00:00"))
            .andExpect(jsonPath("$.actions[0].smartSending").value(false))
            .andExpect(jsonPath("$.actions[0].onCap").value("DEFER"))
            .andExpect(jsonPath("$.actions[0].sendWindow.days[4]").value("FRI"))
            .andExpect(jsonPath("$.actions[0].sendWindow.from").value("09:00:00"))
            .andExpect(jsonPath("$.actions[0].sendWindow.to").value("20:00:00"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"sendWindow\": {\"days\": [\"MON\"], \"from\": \"09:00\", \"to\": \"09:00\"} | actions[0].sendWindow.to",
            "\"sendWindow\": {\"days\": [\"FUNDAY\"], \"from\": \"09:00\", \"to\": \"20:00\"} | actions[0].sendWindow.days[0]",
            "\"sendWindow\": {\"days\": [], \"from\": \"09:00\", \"to\": \"20:00\"} | actions[0].sendWindow.days",
            "\"sendWindow\": {\"days\": [\"MON\", \"MON\"], \"from\": \"09:00\", \"to\": \"20:00\"} | actions[0].sendWindow.days",
            "\"sendWindow\": {\"days\": [\"MON\"], \"from\": \"25:00\", \"to\": \"20:00\"} | actions[0].sendWindow.from",
            "\"sendWindow\": {\"days\": [\"MON\"], \"to\": \"20:00\"} | actions[0].sendWindow.from",
            "\"at\": \"ten\" | actions[0].at", "\"onCap\": \"WAIT\" | actions[0].onCap",
            "\"kind\": \"TRANSACTIONAL\", \"onCap\": \"DEFER\" | actions[0].onCap",
            "\"relay\": \"ses-eu\" | actions[0].relay",
            "\"kind\": \"TRANSACTIONAL\", \"sendWindow\": {\"days\": [\"MON\"], \"from\": \"09:00\", \"to\": \"20:00\"} | actions[0].sendWindow" })
    void aBadDeliveryControlIsABadRequestNamingItsFieldAndWritesNothing(String control, String field) throws Exception {
        mvc.perform(postJson("/api/flows", """
                {"name": "x", "trigger": {"metric": "M"}, "actions": [{"delay": "PT1H", "status": "LIVE", %s,
                 "email": {"from": "shop@example.com", "subject": "Hi", "html": "<p>ok</p>"}}]}
                """.formatted(control)))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value(field));

        assertThat(data.counts()).containsEntry("flow", 0L).containsEntry("action", 0L).containsEntry("template", 0L);
    }

    @Test
    void templatesThatReachForJavaAreRefusedWhenSaved() throws Exception {
        String[] attacks = { "[[${T(java.lang.Runtime).getRuntime().exec('id')}]]", "[[${@templateSandbox}]]",
                "[[${new java.io.File('/etc/passwd')}]]", "<p th:text=\"${__${customer.firstName}__}\">x</p>",
                "<p th:text=\"__${T(java.lang.System).getenv()}__\">x</p>", "<div th:insert=\"~{admin/index}\"></div>",
                "[[${#ctx.getEnvironment()}]]", "<p th:utext=\"${customer.firstName}\">x</p>",
                "<p th:each=\"p : ${customer.properties}\" th:text=\"${p}\">x</p>" };
        for (String attack : attacks) {
            String body = flow("Attack", "M", "X", "PT1H").replace("<p>Hello [[${customer.firstName}]], ",
                    attack.replace("\"", "\\\"") + " <p>");
            mvc.perform(postJson("/api/flows", body))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("actions[0].email.html"))
                .andExpect(jsonPath("$.errors[0].message", containsString("not allowed")));
        }
        assertThat(data.count("flow")).isZero();
    }

}
