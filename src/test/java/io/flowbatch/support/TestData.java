package io.flowbatch.support;

import java.sql.ResultSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.flowbatch.evaluation.EvaluationCounts;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/** Resets and reads flowbatch's tables in tests. */
@TestConfiguration(proxyBeanMethods = false)
public class TestData {

    private static final String TRUNCATE = """
            TRUNCATE evaluation, delivery_log, event, action_branch, action, template, flow_version, flow, customer, marketing_send, delivery_event, send_tally RESTART IDENTITY
            """;

    /** What the counters should say: every evaluation, grouped. */
    private static final String GROUPED = """
            SELECT action_id, state, evaluation_count_detail(state, reason) AS detail, count(*) AS n
            FROM evaluation GROUP BY 1, 2, 3
            """;

    private final JdbcClient jdbc;

    private final EvaluationCounts counts;

    private final TransactionTemplate oneSnapshot;

    TestData(JdbcClient jdbc, EvaluationCounts counts, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.counts = counts;
        this.oneSnapshot = new TransactionTemplate(transactionManager);
        this.oneSnapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.oneSnapshot.setReadOnly(true);
    }

    /**
     * Empty tables. Every test that starts here checks first that the evaluation counters
     * still equal a GROUP BY after whatever the test before it did.
     */
    public void reset() {
        Map<String, String> drift = counterDrift();
        if (!drift.isEmpty()) {
            throw new AssertionError("The evaluation counters disagree with a GROUP BY over the evaluations"
                    + " after the previous test (action/state/detail: counted vs grouped): " + drift);
        }
        jdbc.sql(TRUNCATE).update();
    }

    /**
     * Every key on which the counters, read as the dashboard reads them, and a GROUP BY
     * over the evaluations disagree, both in one snapshot: {@code counted vs grouped} by
     * {@code action/state/detail}; empty when they agree.
     */
    public Map<String, String> counterDrift() {
        return oneSnapshot.execute((status) -> {
            Map<String, Long> counted = new TreeMap<>();
            counts.all()
                .forEach((count) -> counted.put(key(count.actionId(), count.state(), count.detail()), count.n()));
            Map<String, Long> grouped = new TreeMap<>();
            jdbc.sql(GROUPED).query((ResultSet rs) -> {
                grouped.put(key(rs.getLong("action_id"), rs.getString("state"), rs.getString("detail")),
                        rs.getLong("n"));
            });
            Map<String, String> drift = new TreeMap<>();
            for (String key : union(counted, grouped)) {
                long a = counted.getOrDefault(key, 0L);
                long b = grouped.getOrDefault(key, 0L);
                if (a != b) {
                    drift.put(key, a + " vs " + b);
                }
            }
            return drift;
        });
    }

    private static String key(long actionId, String state, String detail) {
        return actionId + "/" + state + "/" + detail;
    }

    private static Set<String> union(Map<String, Long> a, Map<String, Long> b) {
        Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    public long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }

    /** Row counts of every table a request may write. */
    public Map<String, Long> counts() {
        return Map.of("customer", count("customer"), "event", count("event"), "evaluation", count("evaluation"), "flow",
                count("flow"), "action", count("action"), "template", count("template"));
    }

    public JdbcClient jdbc() {
        return jdbc;
    }

}
