package io.flowbatch.evaluation;

import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Spike;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statements a chunk runs for rows it names by id find them by id, whatever the
 * statistics say. The statistics are gathered while nearly every row waits, so the
 * planner believes no row is BUFFERED, PROCESSING or SENDING; a partial index over one of
 * those states keyed on another column then looked empty, was chosen, and was read whole
 * for every chunk.
 */
@FlowbatchTest
class EvaluationPlansTest {

    private static final int ROWS = 50_000;

    private static final long STEP = 7;

    private static final List<String> ID_INDEXES = List.of("evaluation_pkey", "evaluation_buffered_idx",
            "evaluation_claimed_idx");

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    JsonMapper json;

    @Autowired
    JdbcTemplate jdbcTemplate;

    private long action;

    private List<Long> ids;

    @BeforeEach
    void spikeAnalyzedWhileEveryRowWaited() {
        fixtures.reset();
        action = fixtures.checkoutFlow("plans");
        Spike.seed(jdbc, ROWS, List.of(action));
        // Rows that went through a few states before, as after earlier runs: every index
        // holds dead entries, as with autovacuum off or behind.
        for (String state : List.of("BUFFERED", "PROCESSING", "WAITING")) {
            jdbc.sql("UPDATE evaluation SET state = :state").param("state", state).update();
        }
        jdbc.sql("ANALYZE evaluation").update();
        ids = jdbc.sql("SELECT id FROM evaluation ORDER BY id").query(Long.class).list();
    }

    @Test
    void theClaimOfPoppedIdsProbesThemById() {
        jdbc.sql("UPDATE evaluation SET state = 'BUFFERED'").update();

        assertProbesById(EvaluationStore.CLAIM, new Parameter("ids", "bigint[]", array(ids.subList(5_000, 5_500))),
                new Parameter("actionId", "bigint", Long.toString(action)),
                new Parameter("stepExecutionId", "bigint", Long.toString(STEP)));
    }

    @Test
    void aWindowsOutcomesAndTheNextWindowsMarkProbeById() {
        jdbc.sql("UPDATE evaluation SET state = 'PROCESSING', claimed_by = :step").param("step", STEP).update();
        List<Long> settled = ids.subList(5_000, 5_025);
        int size = settled.size();
        String now = OffsetDateTime.now(ZoneOffset.UTC).toString();

        assertProbesById(EvaluationStore.RECORD_AND_MARK_SENDING, new Parameter("ids", "bigint[]", array(settled)),
                new Parameter("states", "text[]", array(Collections.nCopies(size, "SENT"))),
                new Parameter("reasons", "text[]", array(Collections.nCopies(size, "NULL"))),
                new Parameter("attempted", "boolean[]", array(Collections.nCopies(size, "true"))),
                new Parameter("dueAt", "text[]", array(Collections.nCopies(size, "NULL"))),
                new Parameter("continueFlow", "boolean[]", array(Collections.nCopies(size, "true"))),
                new Parameter("sentIds", "bigint[]", array(settled)),
                new Parameter("messageIds", "text[]", array(Collections.nCopies(size, "<m@flowbatch.local>"))),
                new Parameter("recipients", "text[]", array(Collections.nCopies(size, "c@example.com"))),
                new Parameter("sentAt", "text[]", array(Collections.nCopies(size, now))),
                new Parameter("replies", "text[]", array(Collections.nCopies(size, "250-ok"))),
                new Parameter("now", "timestamptz", now),
                new Parameter("next", "bigint[]", array(ids.subList(5_025, 5_050))),
                new Parameter("stepExecutionId", "bigint", Long.toString(STEP)),
                new Parameter("defaultZone", "text", "UTC"));
    }

    @Test
    void aChunkGoingBackToTheBufferProbesById() {
        jdbc.sql("UPDATE evaluation SET state = 'SENDING', claimed_by = :step").param("step", STEP).update();

        assertProbesById(EvaluationStore.RETURN_TO_BUFFER,
                new Parameter("ids", "bigint[]", array(ids.subList(5_000, 5_500))),
                new Parameter("stepExecutionId", "bigint", Long.toString(STEP)));
    }

    /**
     * A buffered page finds its rows again by id, not by hashing the whole table (which
     * the planner chose when the page was joined back to the table: every evaluation read
     * per thousand buffered), with and without a send window.
     */
    @Test
    void aBufferedPageNeverReadsTheWholeTable() {
        String now = OffsetDateTime.now(ZoneOffset.UTC).plusDays(1).toString();
        assertNeverScansWhole(EvaluationStore.BUFFER_PAGE, new Parameter("actionId", "bigint", Long.toString(action)),
                new Parameter("now", "timestamptz", now), new Parameter("limit", "int", "1000"));
        assertNeverScansWhole(EvaluationStore.BUFFER_WINDOWED_PAGE,
                new Parameter("actionId", "bigint", Long.toString(action)), new Parameter("now", "timestamptz", now),
                new Parameter("limit", "int", "1000"), new Parameter("defaultZone", "text", "UTC"),
                new Parameter("days", "smallint[]", "{1,2,3,4,5,6,7}"), new Parameter("opens", "time", "09:00"),
                new Parameter("closes", "time", "20:00"));
    }

    private void assertNeverScansWhole(String statement, Parameter... parameters) {
        plans(statement, parameters).forEach((mode, plan) -> {
            List<JsonNode> reads = new ArrayList<>();
            collectReadsOfEvaluation(plan, reads);
            assertThat(reads).as("reads of evaluation (%s) in %s", mode, plan)
                .isNotEmpty()
                .noneSatisfy((node) -> assertThat(node.path("Node Type").asString()).isEqualTo("Seq Scan"));
        });
    }

    private void assertProbesById(String statement, Parameter... parameters) {
        plans(statement, parameters).forEach((mode, plan) -> assertProbesById(plan, mode));
    }

    /**
     * The statement's own text, planned with its parameters both ways the server plans a
     * prepared statement: for the values given, and once for any values (which the JDBC
     * driver's statements get after a few executions). EXPLAIN runs nothing.
     */
    private Map<String, JsonNode> plans(String statement, Parameter... parameters) {
        String numbered = statement;
        for (int i = 0; i < parameters.length; i++) {
            numbered = numbered.replaceAll("(?<!:):" + parameters[i].name() + "\\b", "\\$" + (i + 1));
        }
        // Colons inside string literals (a to_char format) are not parameters.
        assertThat(numbered.replaceAll("'[^']*'", "''")).as("every parameter numbered")
            .doesNotContainPattern("(?<!:):[a-zA-Z]");
        String prepare = "PREPARE planned(" + String.join(", ", Arrays.stream(parameters).map(Parameter::type).toList())
                + ") AS " + numbered;
        String execute = "EXPLAIN (FORMAT JSON) EXECUTE planned("
                + String.join(", ", Arrays.stream(parameters).map(Parameter::literal).toList()) + ")";
        Map<String, JsonNode> plans = new LinkedHashMap<>();
        for (String mode : List.of("force_custom_plan", "force_generic_plan")) {
            String plan = jdbcTemplate.execute((ConnectionCallback<String>) (connection) -> {
                try (java.sql.Statement sql = connection.createStatement()) {
                    sql.execute("SET plan_cache_mode = " + mode);
                    sql.execute(prepare);
                    try (ResultSet result = sql.executeQuery(execute)) {
                        result.next();
                        return result.getString(1);
                    }
                    finally {
                        sql.execute("DEALLOCATE planned");
                        sql.execute("RESET plan_cache_mode");
                    }
                }
            });
            plans.put(mode, json.readTree(plan));
        }
        return plans;
    }

    /**
     * Every read of the evaluation table is a probe on its id, through the primary key or
     * a partial index keyed by id ({@code action_id = } is not {@code id = }).
     */
    private static void assertProbesById(JsonNode plan, String mode) {
        List<JsonNode> reads = new ArrayList<>();
        collectReadsOfEvaluation(plan, reads);
        assertThat(reads).as("reads of evaluation (%s) in %s", mode, plan).isNotEmpty().allSatisfy((node) -> {
            assertThat(node.path("Node Type").asString()).as(node.toString())
                .isIn("Index Scan", "Index Only Scan", "Bitmap Index Scan");
            assertThat(node.path("Index Name").asString()).as(node.toString()).isIn(ID_INDEXES);
            assertThat(node.path("Index Cond").asString()).as(node.toString()).containsPattern("(?<![\\w.])id = ");
        });
    }

    private static void collectReadsOfEvaluation(JsonNode node, List<JsonNode> reads) {
        if (node.isArray()) {
            node.forEach((child) -> collectReadsOfEvaluation(child, reads));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        String type = node.path("Node Type").asString("");
        boolean readsEvaluation = "evaluation".equals(node.path("Relation Name").asString(null))
                && !"ModifyTable".equals(type) && !"Bitmap Heap Scan".equals(type);
        // A bitmap heap scan reads what its index scans found: those are checked.
        if (readsEvaluation || ("Bitmap Index Scan".equals(type)
                && node.path("Index Name").asString("").startsWith("evaluation"))) {
            reads.add(node);
        }
        for (JsonNode child : node) {
            if (child.isContainer()) {
                collectReadsOfEvaluation(child, reads);
            }
        }
    }

    /** A PostgreSQL array literal of the values, which need no quoting. */
    private static String array(List<?> values) {
        return "{" + String.join(",", values.stream().map(String::valueOf).toList()) + "}";
    }

    /**
     * A statement's named parameter, its SQL type and its value as a literal.
     */
    private record Parameter(String name, String type, String value) {

        String literal() {
            return "'" + value + "'";
        }

    }

}
