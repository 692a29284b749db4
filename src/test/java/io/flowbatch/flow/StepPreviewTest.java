package io.flowbatch.flow;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.util.HtmlUtils;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A step previewed for one customer, or for sample data, through the same sandbox as the
 * job; nothing is sent, reserved or created.
 */
@FlowbatchTest
class StepPreviewTest {

    static final String FLOW = """
            {"name": "Preview", "trigger": {"metric": "Started Checkout"},
             "steps": [
               {"id": "wait", "type": "delay", "delay": "PT1H", "next": "mail"},
               {"id": "mail", "type": "email", "next": "hook", "email": {"from": "Shop <shop@example.com>",
                "subject": "[[${customer.firstName}]], your [[${event.properties['item']}]]",
                "html": "<p>Hi [[${customer.firstName}]] <script>alert(1)</script></p>", "text": "Tier [[${customer.properties['tier']}]]"}},
               {"id": "hook", "type": "webhook", "url": "https://hooks.example.com/x",
                "body": "{\\"name\\": \\"[[${customer.firstName}]]\\"}"}]}
            """;

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixture;

    @Autowired
    JsonMapper json;

    long flow;

    @BeforeEach
    void flowAndCustomer() throws Exception {
        fixture.reset();
        mvc.perform(postJson("/api/flows", FLOW)).andExpect(status().isCreated());
        flow = fixture.data().jdbc().sql("SELECT id FROM flow").query(Long.class).single();
        mvc.perform(postJson("/api/customers", json.writeValueAsString(List
            .of(Map.of("email", "jane@example.com", "firstName", "Jane", "properties", Map.of("tier", "gold"))))))
            .andExpect(status().isOk());
        mvc.perform(postJson("/api/events",
                json.writeValueAsString(List.of(Map.of("email", "jane@example.com", "metric", "Started Checkout",
                        "time", Instant.now().toString(), "properties", Map.of("item", "red shoes"))))))
            .andExpect(status().isAccepted());
    }

    @Test
    void aStoredCustomerOrSampleDataIsRenderedAndNothingIsSent() throws Exception {
        Map<String, Long> before = fixture.data().counts();
        mvc.perform(preview("mail", "{\"email\": \" Jane@Example.com \"}"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.subject").value("Jane, your red shoes"))
            .andExpect(jsonPath("$.html").value(containsString("Hi Jane")))
            .andExpect(jsonPath("$.text").value("Tier gold"));
        mvc.perform(preview("mail",
                """
                        {"customer": {"firstName": "Sam", "properties": {"tier": "silver"}}, "eventProperties": {"item": "hat"}}"""))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.subject").value("Sam, your hat"))
            .andExpect(jsonPath("$.text").value("Tier silver"));
        mvc.perform(preview("hook", "{\"email\": \"jane@example.com\"}"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.body").value("{\"name\": \"Jane\"}"))
            .andExpect(jsonPath("$.subject").doesNotExist());

        assertThat(fixture.data().counts()).isEqualTo(before);
        assertThat(fixture.smtp().received()).isEmpty();
    }

    @Test
    void anUnknownCustomerStepOrAStepThatRendersNothingIsAFourHundredSomething() throws Exception {
        mvc.perform(preview("mail", "{\"email\": \"nobody@example.com\"}"))
            .andExpect(status().isNotFound())
            .andExpect(jsonPath("$.detail").value("No customer with email nobody@example.com"));
        mvc.perform(preview("nowhere", "{\"email\": \"jane@example.com\"}")).andExpect(status().isNotFound());
        mvc.perform(preview("wait", "{\"email\": \"jane@example.com\"}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("stepId"));
        mvc.perform(preview("mail", "{}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("email"));
    }

    @Test
    void theActionPageShowsThePreviewInASandboxedFrame() throws Exception {
        long action = fixture.data()
            .jdbc()
            .sql("SELECT id FROM action WHERE step_key = 'mail'")
            .query(Long.class)
            .single();
        String page = mvc
            .perform(get("/admin/actions/{id}", action).param("preview", "jane@example.com")
                .with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andReturn()
            .getResponse()
            .getContentAsString();
        assertThat(page).contains("id=\"preview-html\"", "sandbox=\"\"", "Jane, your red shoes");
        // The email's HTML is an attribute of the frame, escaped: its script runs
        // nowhere.
        assertThat(page).doesNotContain("<script>alert(1)</script>")
            .contains(HtmlUtils.htmlEscape("<script>alert(1)</script>"));
    }

    private org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder preview(String step,
            String body) {
        return postJson("/api/flows/" + flow + "/steps/" + step + "/preview", body);
    }

}
