package io.flowbatch.flow;

import java.util.stream.Stream;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static io.flowbatch.support.Api.putJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A graph is checked whole when it is saved: each bad graph is a 400 that names the step
 * and the field, and writes nothing. A good one is stored and read back as it was given.
 */
@FlowbatchTest
class FlowGraphValidationTest {

    static final String EMAIL = """
            "email": {"from": "Shop <shop@example.com>", "subject": "Hi", "html": "<p>Hi</p>"}""";

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    @BeforeEach
    void reset() {
        data.reset();
    }

    static String flow(String steps) {
        return flow("", steps);
    }

    static String flow(String fields, String steps) {
        return """
                {"name": "Graph", "trigger": {"metric": "Started Checkout"}%s, "steps": [%s]}""".formatted(fields,
                steps);
    }

    static Stream<Arguments> badGraphs() {
        return Stream.of(
                Arguments.of("a cycle without a delay",
                        flow("""
                                {"id": "vip", "type": "split", "condition": {"metric": "Placed Order"}, "yes": "mail", "no": null},
                                {"id": "mail", "type": "email", %s, "next": "vip"}"""
                            .formatted(EMAIL)),
                        "steps[0]", "forms a cycle without a delay: vip -> mail -> vip"),
                Arguments.of("an unreachable step", flow("""
                        {"id": "mail", "type": "email", %s},
                        {"id": "orphan", "type": "email", %s}""".formatted(EMAIL, EMAIL)), "steps[1].id",
                        "step 'orphan' cannot be reached from the entry step 'mail'"),
                Arguments.of("a split without its no", flow("""
                        {"id": "vip", "type": "split", "condition": {"metric": "Placed Order"}, "yes": "mail"},
                        {"id": "mail", "type": "email", %s}""".formatted(EMAIL)), "steps[0].no",
                        "is missing: name the next step, or null to end the path here"),
                Arguments.of("a split without a condition", flow("""
                        {"id": "vip", "type": "split", "yes": null, "no": null}"""), "steps[0].condition",
                        "a split needs a condition"),
                Arguments.of("an unknown property path", flow("""
                        {"id": "vip", "type": "split", "yes": null, "no": null,
                         "condition": {"property": "customer.age", "op": "gt", "value": 30}}"""),
                        "steps[0].condition.property", "unknown property path 'customer.age'"),
                Arguments.of("a condition that cannot compile",
                        flow("""
                                {"id": "vip", "type": "split", "yes": null, "no": null,
                                 "condition": {"all": [{"property": "customer.properties.n", "op": "between", "value": 3}]}}"""),
                        "steps[0].condition.all[0].op", "must be one of eq, ne, in, contains"),
                Arguments.of("a next that names no step", flow("""
                        {"id": "mail", "type": "email", %s, "next": "nowhere"}""".formatted(EMAIL)), "steps[0].next",
                        "names no step of this flow: 'nowhere'"),
                Arguments.of("two steps with one id", flow("""
                        {"id": "mail", "type": "email", %s, "next": "mail2"},
                        {"id": "mail2", "type": "delay", "delay": "PT1H", "next": "mail"},
                        {"id": "mail2", "type": "email", %s}""".formatted(EMAIL, EMAIL)), "steps[2].id",
                        "'mail2' is the id of an earlier step too"),
                Arguments.of("shares that do not add up", flow("""
                        {"id": "ab", "type": "random", "branches": [{"percent": 40, "next": null},
                                                                    {"percent": 50, "next": null}]}"""),
                        "steps[0].branches", "the branches' percents add up to 90, not 100"),
                Arguments.of("a random split with one branch", flow("""
                        {"id": "ab", "type": "random", "branches": [{"percent": 100, "next": null}]}"""),
                        "steps[0].branches", "a random split needs 2 to 10 branches"),
                Arguments.of("an unknown step type", flow("""
                        {"id": "sms", "type": "sms"}"""), "steps[0].type", "must be one of"),
                Arguments.of("a delay on an email step", flow("""
                        {"id": "mail", "type": "email", "delay": "PT1H", %s}""".formatted(EMAIL)), "steps[0].delay",
                        "only a delay step waits"),
                Arguments.of("a delay of nothing", flow("""
                        {"id": "wait", "type": "delay", "delay": "PT0S"}"""), "steps[0].delay",
                        "must be between PT1S and P365D"),
                Arguments.of("a template that reaches for Java", flow("""
                        {"id": "mail", "type": "email", "email": {"from": "Shop <shop@example.com>", "subject": "Hi",
                         "html": "[[${T(java.lang.Runtime).getRuntime()}]]"}}"""), "steps[0].email.html", ""),
                Arguments.of("a bad trigger filter",
                        flow("""
                                , "trigger": {"metric": "Started Checkout",
                                              "filter": {"property": "event.properties.cartValue", "op": "gt", "value": "fifty"}}
                                """,
                                """
                                        {"id": "mail", "type": "email", %s}""".formatted(EMAIL))
                            .replace("\"trigger\": {\"metric\": \"Started Checkout\"}, ", ""),
                        "trigger.filter.value", "must be a number"),
                Arguments.of("a bad profile filter", flow("""
                        , "profileFilter": {"not": {"property": "customer.properties.segment"}}""", """
                        {"id": "mail", "type": "email", %s}""".formatted(EMAIL)), "profileFilter.not.op",
                        "must be one of"),
                Arguments.of("both forms at once", """
                        {"name": "Graph", "trigger": {"metric": "Started Checkout"},
                         "actions": [{"delay": "PT1H", "status": "LIVE", %s}],
                         "steps": [{"id": "mail", "type": "email", %s}]}""".formatted(EMAIL, EMAIL), "steps",
                        "not both"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badGraphs")
    void aBadGraphIsRefusedNamingTheStepAndFieldAndNothingIsWritten(String name, String body, String field,
            String message) throws Exception {
        mvc.perform(postJson("/api/flows", body))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[*].field").value(hasItem(field)))
            .andExpect(jsonPath("$.errors[?(@.field == '" + field + "')].message")
                .value(hasItem(containsString(message))));
        assertThat(data.counts()).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
    }

    @Test
    void aGoodGraphIsStoredAndReadBackAsGiven() throws Exception {
        String body = flow(
                """
                        , "profileFilter": {"not": {"property": "customer.properties.segment", "op": "eq", "value": "wholesale"}}""",
                """
                        {"id": "wait", "type": "delay", "delay": "PT4H", "at": "10:00", "next": "vip"},
                        {"id": "vip", "type": "split", "condition": {"property": "customer.properties.tier", "op": "eq", "value": "gold"},
                         "yes": "mailA", "no": "ab"},
                        {"id": "ab", "type": "random", "branches": [{"percent": 30, "next": "mailA"}, {"percent": 70, "next": null}]},
                        {"id": "mailA", "type": "email", %s, "next": "wait"}"""
                    .formatted(EMAIL));
        String created = mvc.perform(postJson("/api/flows", body))
            .andExpect(status().isCreated())
            .andExpect(jsonPath("$.actions.length()").value(1))
            .andExpect(jsonPath("$.steps[*].id").value(org.hamcrest.Matchers.contains("wait", "vip", "ab", "mailA")))
            .andExpect(jsonPath("$.steps[0].actionId").doesNotExist())
            .andExpect(jsonPath("$.steps[3].actionId").isNumber())
            .andReturn()
            .getResponse()
            .getContentAsString();
        long id = data.jdbc().sql("SELECT id FROM flow").query(Long.class).single();
        assertThat(created).contains("\"id\":" + id);

        mvc.perform(get("/api/flows/{id}", id).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.profileFilter.not.value").value("wholesale"))
            .andExpect(jsonPath("$.steps[0].type").value("DELAY"))
            .andExpect(jsonPath("$.steps[0].delay").value("PT4H"))
            .andExpect(jsonPath("$.steps[0].at").value("10:00:00"))
            .andExpect(jsonPath("$.steps[0].next").value("vip"))
            .andExpect(jsonPath("$.steps[1].yes").value("mailA"))
            .andExpect(jsonPath("$.steps[1].no").value("ab"))
            .andExpect(jsonPath("$.steps[1].condition.value").value("gold"))
            .andExpect(jsonPath("$.steps[2].branches[0].percent").value(30))
            .andExpect(jsonPath("$.steps[2].branches[0].next").value("mailA"))
            .andExpect(jsonPath("$.steps[2].branches[1].next").doesNotExist())
            .andExpect(jsonPath("$.steps[3].next").value("wait"))
            .andExpect(jsonPath("$.actions[0].id").isNumber());

        // A split has no status of its own to pause; an email step has.
        long split = data.jdbc().sql("SELECT id FROM action WHERE step_key = 'vip'").query(Long.class).single();
        mvc.perform(putJson("/api/actions/" + split + "/status", "{\"status\": \"PAUSED\"}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("status"))
            .andExpect(jsonPath("$.errors[0].message").value(containsString("a split step has no status of its own")));
        long mail = data.jdbc().sql("SELECT id FROM action WHERE step_key = 'mailA'").query(Long.class).single();
        mvc.perform(putJson("/api/actions/" + mail + "/status", "{\"status\": \"PAUSED\"}")).andExpect(status().isOk());
        assertThat(data.jdbc().sql("SELECT status FROM action WHERE step_key = 'vip'").query(String.class).single())
            .isEqualTo("LIVE");
    }

}
