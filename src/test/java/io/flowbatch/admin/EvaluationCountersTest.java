package io.flowbatch.admin;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.flowbatch.evaluation.EvaluationCounts;
import io.flowbatch.evaluation.EvaluationPurge;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static io.flowbatch.support.Api.postJson;
import static io.flowbatch.support.Api.putJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The counters the dashboard reads equal a GROUP BY over the evaluations after every kind
 * of move: intake, routing through a delay, a split and a random split, sends, permanent
 * failures, skips by suppression and by the flow filter, deferral by a send window, a
 * requeue, an edit that removes a step, an archive, a purge and the fold; and the
 * dashboard, the stats endpoint and the flow page read them without reading the
 * evaluations.
 */
@FlowbatchTest
class EvaluationCountersTest {

    static final String FLOW = """
            {"name": "Counted", "trigger": {"metric": "Started Checkout"}, "exitMetrics": ["Placed Order"],
             %s
             "steps": [
               {"id": "wait", "type": "delay", "delay": "PT1H", "next": "vip"},
               {"id": "vip", "type": "split", "condition": {"property": "customer.properties.n", "op": "lt", "value": 300},
                "yes": "mailA", "no": "ab"},
               {"id": "ab", "type": "random", "branches": [{"percent": 50, "next": %s}, {"percent": 50, "next": null}]},
               {"id": "mailA", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "A", "html": "<p>A</p>"}}%s
             ]}
            """;

    /** Email B, sent only on days that are not today anywhere: every row deferred. */
    static final String MAIL_B = """
            ,
               {"id": "mailB", "type": "email", "smartSending": false,
                "sendWindow": {"days": [%s], "from": "09:00", "to": "17:00"},
                "email": {"from": "Shop <shop@example.com>", "subject": "B", "html": "<p>B</p>"}}""";

    static final String OTHER_FLOW = """
            {"name": "Archived", "trigger": {"metric": "Started Checkout"},
             "steps": [
               {"id": "wait", "type": "delay", "delay": "P1D", "next": "mail"},
               {"id": "mail", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "Later", "html": "<p>Later</p>"}}]}
            """;

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixture;

    @Autowired
    DashboardQueries dashboard;

    @Autowired
    FlowOverview flowOverview;

    @Autowired
    EvaluationCounts counts;

    @Autowired
    EvaluationPurge purge;

    @Autowired
    PlatformTransactionManager transactionManager;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void countersEqualAGroupByAfterAMixedRunAndTheDashboardReadsNoEvaluation() throws Exception {
        mvc.perform(postJson("/api/flows", FLOW.formatted("", "\"mailB\"", MAIL_B.formatted(otherDays()))))
            .andExpect(status().isCreated());
        mvc.perform(postJson("/api/flows", OTHER_FLOW)).andExpect(status().isCreated());
        long counted = flowId("Counted");
        long other = flowId("Archived");
        long mailA = stepId("mailA");
        fixture.customers(0, 1_000);
        for (int i = 0; i < 20; i++) {
            fixture.smtp().replyAlways(Fixtures.email(i), "550 5.1.1 No such user");
        }
        for (int i = 20; i < 30; i++) {
            mvc.perform(admin(post("/api/admin/suppressions")).contentType(MediaType.APPLICATION_JSON)
                .content("{\"email\": \"" + Fixtures.email(i) + "\", \"reason\": \"asked by phone\"}"))
                .andExpect(status().isCreated());
        }
        Instant started = Instant.now().minus(Duration.ofHours(2));
        fixture.events("Started Checkout", 0, 1_000, started);
        fixture.events("Placed Order", 200, 250, started.plusSeconds(60));
        assertAgree("after intake");

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        Map<String, Long> states = states();
        assertThat(states).containsKeys("DONE", "SENT", "FAILED", "SKIPPED", "WAITING");
        assertThat(fixture.count("state = 'WAITING' AND reason LIKE 'deferred:%'")).isPositive();
        assertAgree("after the first run");

        mvc.perform(admin(post("/api/admin/evaluations/requeue")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"actionId\": " + mailA + ", \"state\": \"FAILED\"}")).andExpect(status().isOk());
        assertAgree("after the requeue");
        fixture.smtp().reset();
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state = 'FAILED'")).isZero();
        assertAgree("after the requeued run");
        // The one step that defers reads its earliest deferred row, one index probe each
        // time its counts are read; nothing else reads an evaluation.
        assertThat(pagesRead(counted, other)).isLessThanOrEqualTo(4);

        mvc.perform(putJson("/api/flows/" + counted, FLOW.formatted("\"version\": 1,", "null", "")))
            .andExpect(status().isOk());
        assertThat(fixture.count("state = 'CANCELLED' AND reason = 'step removed in version 2'")).isPositive();
        assertAgree("after the edit");
        mvc.perform(post("/api/flows/{id}/archive", other).header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isOk());
        assertThat(fixture.count("state = 'CANCELLED' AND reason LIKE 'flow archived at %'")).isEqualTo(1_000);
        assertAgree("after the archive");

        // Half of what finished, aged past the retention and purged (moving no state).
        fixture.data()
            .jdbc()
            .sql("UPDATE evaluation SET updated_at = now() - interval '30 days' WHERE id % 2 = 0")
            .update();
        long purged = purge.finishedBefore(Instant.now().minus(Duration.ofDays(7)), 100);
        assertThat(purged).isPositive();
        assertAgree("after the purge");

        assertThat(counts.fold()).isTrue();
        assertThat(fixture.data().count("evaluation_count_change")).isZero();
        assertAgree("after the fold");

        assertThat(pagesRead(counted, other)).isZero();
        // The measure sees what a GROUP BY reads.
        long rows = fixture.data().count("evaluation");
        assertThat(evaluationRowsRead(() -> states())).isGreaterThanOrEqualTo(rows);
    }

    /**
     * Evaluation rows read by the dashboard, every step's stats and skips, and both flow
     * pages.
     */
    private long pagesRead(long... flows) {
        long read = evaluationRowsRead(() -> {
            dashboard.actions();
            for (long step : fixture.data().jdbc().sql("SELECT id FROM action").query(Long.class).list()) {
                dashboard.action(step);
                dashboard.skips(step);
            }
            for (long flow : flows) {
                flowOverview.of(flow);
            }
        });
        System.out.printf(
                "Dashboard, every step's stats and the flow pages over %,d evaluations:" + " %d evaluation rows read%n",
                fixture.data().count("evaluation"), read);
        return read;
    }

    /**
     * Rows of the evaluation table the work read, from PostgreSQL's own statistics. The
     * backend's pending statistics may still hold earlier transactions' reads (they are
     * flushed only between transactions), so the work's share is a difference taken
     * within one transaction.
     */
    private long evaluationRowsRead(Runnable work) {
        TransactionTemplate transaction = new TransactionTemplate(transactionManager);
        return transaction.execute((status) -> {
            long before = evaluationRowsReadSoFar();
            work.run();
            return evaluationRowsReadSoFar() - before;
        });
    }

    private long evaluationRowsReadSoFar() {
        return fixture.data().jdbc().sql("""
                SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
                FROM pg_stat_xact_user_tables WHERE relname = 'evaluation'""").query(Long.class).single();
    }

    private void assertAgree(String when) {
        assertThat(fixture.data().counterDrift()).as("counters vs GROUP BY " + when).isEmpty();
    }

    private Map<String, Long> states() {
        return fixture.data()
            .jdbc()
            .sql("SELECT state, count(*) AS n FROM evaluation GROUP BY state")
            .query((rs, row) -> Map.entry(rs.getString("state"), rs.getLong("n")))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private long flowId(String name) {
        return fixture.data()
            .jdbc()
            .sql("SELECT id FROM flow WHERE name = :name")
            .param("name", name)
            .query(Long.class)
            .single();
    }

    private long stepId(String key) {
        return fixture.data()
            .jdbc()
            .sql("SELECT a.id FROM action a JOIN flow f ON f.id = a.flow_id WHERE f.name = 'Counted' AND a.step_key = :key")
            .param("key", key)
            .query(Long.class)
            .single();
    }

    /** The four days that are not yesterday, today or tomorrow in UTC. */
    private static String otherDays() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        EnumSet<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
        days.removeAll(List.of(today.getDayOfWeek(), today.getDayOfWeek().plus(1), today.getDayOfWeek().minus(1)));
        return days.stream().map((day) -> "\"" + day.name().substring(0, 3) + "\"").collect(Collectors.joining(", "));
    }

    private static MockHttpServletRequestBuilder admin(MockHttpServletRequestBuilder request) {
        return request.with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD));
    }

}
