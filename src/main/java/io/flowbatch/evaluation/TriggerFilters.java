package io.flowbatch.evaluation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowbatch.condition.CompiledConditions;
import io.flowbatch.condition.ConditionSql;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The trigger filters of the live flows a batch of events may start, as one clause of the
 * statement that stores the events and creates their first steps: each event is tested
 * against its flow's filter in that same statement, whatever the batch's size.
 */
@Repository
public class TriggerFilters {

    static final String FILTERED_FLOWS = """
            SELECT id, trigger_filter::text AS filter FROM flow
            WHERE status = 'LIVE' AND trigger_metric = ANY(:metrics::text[]) AND trigger_filter IS NOT NULL
            ORDER BY id
            """;

    /**
     * The rows a trigger filter reads: the event {@code s} (its properties, and its time
     * as the flow's start) and its customer {@code c}.
     */
    static final ConditionSql.Scope SCOPE = new ConditionSql.Scope("c", "s", "s.occurred_at", ":now", "t");

    private final JdbcClient jdbc;

    private final CompiledConditions conditions;

    TriggerFilters(JdbcClient jdbc, CompiledConditions conditions) {
        this.jdbc = jdbc;
        this.conditions = conditions;
    }

    /**
     * The clause for events of these metrics: each filtered flow's predicate, and for a
     * flow without a filter, true.
     */
    public Clause forMetrics(Set<String> metrics) {
        List<Map.Entry<Long, String>> filtered = jdbc.sql(FILTERED_FLOWS)
            .param("metrics", metrics.toArray(String[]::new))
            .query((rs, row) -> Map.entry(rs.getLong("id"), rs.getString("filter")))
            .list();
        if (filtered.isEmpty()) {
            return new Clause("f.trigger_filter IS NULL", Map.of());
        }
        // Flow ids come from the database as numbers: the only values written into the
        // text. Every value of a filter is a parameter, named apart per flow.
        StringBuilder sql = new StringBuilder("CASE f.id");
        Map<String, Object> params = new HashMap<>();
        for (Map.Entry<Long, String> flow : filtered) {
            ConditionSql.Predicate predicate = conditions.predicate(flow.getValue(),
                    SCOPE.withPrefix("t" + flow.getKey() + "_"));
            sql.append(" WHEN ").append(flow.getKey().longValue()).append(" THEN ").append(predicate.sql());
            params.putAll(predicate.params());
        }
        // A flow with a filter created since the filters were read holds its events back
        // rather than taking them unfiltered.
        return new Clause(sql.append(" ELSE f.trigger_filter IS NULL END").toString(), params);
    }

    /**
     * SQL over the event {@code s}, customer {@code c} and flow {@code f}, and its
     * parameters.
     */
    public record Clause(String sql, Map<String, Object> params) {
    }

}
