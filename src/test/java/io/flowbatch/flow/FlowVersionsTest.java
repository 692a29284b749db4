package io.flowbatch.flow;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.TestSmtpServer;
import jakarta.mail.MessagingException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static io.flowbatch.support.Api.putJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A flow edited while 10,000 evaluations wait at three of its steps: one step removed
 * (its evaluations CANCELLED naming the version), one template changed (its evaluations
 * sent with the new text), one delay changed, first without moving the evaluations
 * already waiting and then with {@code rescheduleWaiting}. A stale version, a step id
 * given another type and an archived flow are refused with nothing written.
 */
@FlowbatchTest
class FlowVersionsTest {

    static final String V1 = """
            {"name": "Versions", "trigger": {"metric": "Started Checkout"},
             "steps": [
               {"id": "wait", "type": "delay", "delay": "P1D", "next": "mail"},
               {"id": "mail", "type": "email", "smartSending": false, "next": "gone",
                "email": {"from": "Shop <shop@example.com>", "subject": "Old [[${customer.firstName}]]", "html": "<p>old</p>"}},
               {"id": "gone", "type": "delay", "delay": "P2D", "next": "last"},
               {"id": "last", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "Last", "html": "<p>last</p>"}}]}
            """;

    static final String V2 = """
            {"name": "Versions", "trigger": {"metric": "Started Checkout"}, "version": %d, "rescheduleWaiting": %s,
             "steps": [
               {"id": "wait", "type": "delay", "delay": "%s", "next": "mail"},
               {"id": "mail", "type": "%s", "smartSending": false, "next": "last",
                "email": {"from": "Shop <shop@example.com>", "subject": "New [[${customer.firstName}]]", "html": "<p>new</p>"}},
               {"id": "last", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "Last", "html": "<p>last</p>"}}]}
            """;

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixture;

    long flow;

    @BeforeEach
    void tenThousandWaitingAtThreeSteps() throws Exception {
        fixture.reset();
        mvc.perform(postJson("/api/flows", V1)).andExpect(status().isCreated());
        flow = fixture.data().jdbc().sql("SELECT id FROM flow").query(Long.class).single();
        fixture.customers(0, 10_000);
        waitAt("wait", 0, "now() + interval '1 day'");
        waitAt("mail", 1, "now() - interval '1 minute'");
        waitAt("gone", 2, "now() + interval '2 days'");
    }

    @Test
    void eachWaitingEvaluationEndsAsTheEditSays() throws Exception {
        long atWait = fixture.count("state = 'WAITING' AND action_id = " + action("wait"));
        long atMail = fixture.count("state = 'WAITING' AND action_id = " + action("mail"));
        long atGone = fixture.count("state = 'WAITING' AND action_id = " + action("gone"));
        assertThat(atWait + atMail + atGone).isEqualTo(10_000);

        // Version 2: "gone" removed, the email's template changed, the delay changed
        // without moving those already waiting.
        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(1, false, "P2D", "email")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.version").value(2))
            .andExpect(jsonPath("$.cancelled").value(atGone))
            .andExpect(jsonPath("$.rescheduled").value(0));
        assertThat(fixture.count("state = 'CANCELLED' AND reason = 'step removed in version 2'")).isEqualTo(atGone);
        // A chunk that read version 1 commits after the edit: five customers land at the
        // removed step. The next run cancels them; nothing would ever take them.
        fixture.data()
            .jdbc()
            .sql("INSERT INTO evaluation (action_id, customer_id, flow_started_at, due_at)"
                    + " SELECT :action, c.id, now(), now() FROM customer c ORDER BY c.id LIMIT 5")
            .param("action", action("gone"))
            .update();
        assertThat(fixture.count("state = 'WAITING' AND action_id = " + action("wait")
                + " AND due_at BETWEEN now() + interval '23 hours' AND now() + interval '25 hours'"))
            .isEqualTo(atWait);
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT t.version FROM template t JOIN action a ON a.template_id = t.id "
                    + "WHERE a.step_key = 'mail'")
            .query(Integer.class)
            .single()).isEqualTo(2);

        // Those waiting at the email are sent with the template live at send time.
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.smtp().received()).hasSize((int) atMail).allSatisfy(this::isNewSubject);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(atMail);
        assertThat(fixture.count("reason = 'step removed in version 2; found pending by a later run'")).isEqualTo(5);
        assertThat(fixture.count("state IN ('WAITING', 'BUFFERED') AND action_id = " + action("gone"))).isZero();
        // ... and go on to the step that now follows it.
        assertThat(fixture.count("state = 'WAITING' AND action_id = " + action("last"))).isEqualTo(atMail);

        // Version 3 moves those already waiting at the delay by the change.
        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(2, true, "P3D", "email")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.version").value(3))
            .andExpect(jsonPath("$.rescheduled").value(atWait));
        assertThat(fixture.count("state = 'WAITING' AND action_id = " + action("wait")
                + " AND due_at BETWEEN now() + interval '47 hours' AND now() + interval '49 hours'"))
            .isEqualTo(atWait);

        mvc.perform(get("/api/flows/{id}/versions", flow).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.length()").value(3))
            .andExpect(jsonPath("$[0].version").value(3))
            .andExpect(jsonPath("$[0].definition.steps[0].delay").value("PT72H"))
            .andExpect(jsonPath("$[0].definition.rescheduleWaiting").doesNotExist())
            .andExpect(jsonPath("$[2].definition.steps.length()").value(4));
        mvc.perform(get("/api/flows/{id}", flow).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(jsonPath("$.steps.length()").value(3))
            .andExpect(jsonPath("$.steps[1].next").value("last"));
        assertThat(fixture.data().counterDrift()).as("counters vs GROUP BY").isEmpty();
    }

    @Test
    void aStaleVersionAStepOfAnotherTypeAndAnArchivedFlowAreRefusedAndWriteNothing() throws Exception {
        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(1, false, "P2D", "email"))).andExpect(status().isOk());
        var before = fixture.data().counts();

        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(1, false, "P5D", "email")))
            .andExpect(status().isConflict())
            .andExpect(
                    jsonPath("$.detail").value("Flow " + flow + " is at version 2; this edit was made from version 1"));
        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(2, false, "P5D", "delay")))
            .andExpect(status().isBadRequest());
        mvc.perform(
                putJson("/api/flows/" + flow, V2.formatted(2, false, "P5D", "email").replace("\"version\": 2,", "")))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("version"));
        assertThat(fixture.data().counts()).isEqualTo(before);
        assertThat(fixture.data().jdbc().sql("SELECT version FROM flow").query(Integer.class).single()).isEqualTo(2);

        mvc.perform(post("/api/flows/{id}/archive", flow).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isOk());
        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(2, false, "P5D", "email")))
            .andExpect(status().isConflict())
            .andExpect(jsonPath("$.detail").value("Flow " + flow + " is ARCHIVED: it cannot be edited"));
        mvc.perform(putJson("/api/flows/999999", V2.formatted(2, false, "P5D", "email")))
            .andExpect(status().isNotFound());
    }

    @Test
    void aStepIdGivenAnotherTypeIsNamed() throws Exception {
        String delayForMail = V2.formatted(1, false, "P2D", "delay")
            .replace("\"smartSending\": false, \"next\": \"last\",",
                    "\"delay\": \"PT1H\", \"next\": \"x\"}, {\"id\": \"x\", \"type\": \"email\", \"next\": \"last\",");
        mvc.perform(putJson("/api/flows/" + flow, delayForMail))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("steps[1].type"))
            .andExpect(jsonPath("$.errors[0].message")
                .value("step 'mail' is of type email; a step id keeps its type (give the new step a new id)"));
    }

    @Test
    void aRemovedStepsIdNamesItsHistoryAndIsNotGivenToANewStep() throws Exception {
        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(1, false, "P2D", "email"))).andExpect(status().isOk());
        mvc.perform(putJson("/api/flows/" + flow,
                V1.replace("\"name\": \"Versions\",", "\"name\": \"Versions\", \"version\": 2,")))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("steps[2].id"))
            .andExpect(jsonPath("$.errors[0].message")
                .value("step 'gone' was removed in version 2; give the new step a new id"));
        // Removed once, it stays removed in version 2 whatever later edits do.
        mvc.perform(putJson("/api/flows/" + flow, V2.formatted(2, false, "P3D", "email"))).andExpect(status().isOk());
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT removed_in_version FROM action WHERE step_key = 'gone'")
            .query(Integer.class)
            .single()).isEqualTo(2);
        assertThat(fixture.count("reason = 'step removed in version 3'")).isZero();
    }

    private void isNewSubject(TestSmtpServer.Received message) {
        try {
            assertThat(message.parse().getSubject()).startsWith("New ");
        }
        catch (MessagingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private long action(String step) {
        return fixture.data()
            .jdbc()
            .sql("SELECT id FROM action WHERE step_key = :step")
            .param("step", step)
            .query(Long.class)
            .single();
    }

    /** Every third customer (those whose id leaves {@code rest}) waits at the step. */
    private void waitAt(String step, int rest, String dueAt) {
        fixture.data()
            .jdbc()
            .sql("INSERT INTO evaluation (action_id, customer_id, flow_started_at, due_at) SELECT :action, c.id, now(), "
                    + dueAt + " FROM customer c WHERE c.id % 3 = :rest")
            .param("action", action(step))
            .param("rest", rest)
            .update();
    }

}
