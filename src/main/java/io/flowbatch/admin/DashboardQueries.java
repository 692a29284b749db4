package io.flowbatch.admin;

import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.execution.Buckets;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What the dashboard shows: evaluations by state per action, and the last hour's sends.
 */
@Repository
class DashboardQueries {

    static final String ACTION_COLUMNS = """
            SELECT a.id, f.name AS flow_name, f.trigger_metric, a.position, a.status, a.kind,
                   extract(epoch FROM a.delay) AS delay_seconds
            FROM action a JOIN flow f ON f.id = a.flow_id
            """;

    static final String ACTIONS = ACTION_COLUMNS + " ORDER BY f.name, a.position";

    static final String ONE_ACTION = ACTION_COLUMNS + " WHERE a.id = :id";

    static final String COUNTS = "SELECT action_id, state, count(*) AS n FROM evaluation GROUP BY action_id, state";

    static final String COUNTS_OF_ACTION = "SELECT state, count(*) AS n FROM evaluation WHERE action_id = :id GROUP BY state";

    static final String SENT_PER_MINUTE = """
            SELECT date_trunc('minute', sent_at) AS minute, count(*) AS n FROM delivery_log
            WHERE sent_at >= :since GROUP BY 1
            """;

    private final JdbcClient jdbc;

    private final Buckets buckets;

    private final Clock clock;

    DashboardQueries(JdbcClient jdbc, Buckets buckets, Clock clock) {
        this.jdbc = jdbc;
        this.buckets = buckets;
        this.clock = clock;
    }

    List<ActionOverview> actions() {
        Map<Long, Map<String, Long>> counts = new LinkedHashMap<>();
        jdbc.sql(COUNTS).query((ResultSet rs) -> {
            counts.computeIfAbsent(rs.getLong("action_id"), (id) -> emptyCounts())
                .put(rs.getString("state"), rs.getLong("n"));
        });
        List<ActionRow> rows = jdbc.sql(ACTIONS).query(ActionRow::of).list();
        Map<Long, Long> buffered = buckets.sizes(rows.stream().map(ActionRow::id).toList());
        return rows.stream()
            .map((row) -> row.overview(counts.getOrDefault(row.id(), emptyCounts()), buffered.get(row.id())))
            .toList();
    }

    /**
     * One action with its counts: its own rows only, through the (action_id, id) index.
     */
    ActionOverview action(long id) {
        ActionRow row = jdbc.sql(ONE_ACTION).param("id", id).query(ActionRow::of).optional().orElse(null);
        if (row == null) {
            return null;
        }
        Map<String, Long> counts = emptyCounts();
        jdbc.sql(COUNTS_OF_ACTION).param("id", id).query((ResultSet rs) -> {
            counts.put(rs.getString("state"), rs.getLong("n"));
        });
        return row.overview(counts, buckets.size(id));
    }

    /** Sends per minute over the last hour, oldest first, zeros included. */
    List<MinuteCount> sentLastHour() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MINUTES);
        Instant since = now.minus(59, ChronoUnit.MINUTES);
        Map<Instant, Long> counts = new LinkedHashMap<>();
        jdbc.sql(SENT_PER_MINUTE)
            .param("since", OffsetDateTime.ofInstant(since, ZoneOffset.UTC))
            .query((ResultSet rs) -> {
                counts.put(rs.getTimestamp("minute").toInstant(), rs.getLong("n"));
            });
        List<MinuteCount> minutes = new ArrayList<>(60);
        for (Instant minute = since; !minute.isAfter(now); minute = minute.plus(1, ChronoUnit.MINUTES)) {
            minutes.add(new MinuteCount(minute, counts.getOrDefault(minute, 0L)));
        }
        return minutes;
    }

    private static Map<String, Long> emptyCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (EvaluationState state : EvaluationState.values()) {
            counts.put(state.name(), 0L);
        }
        return counts;
    }

    /** An action as stored, before its counts are added. */
    private record ActionRow(long id, String flowName, String triggerMetric, int position, String status, String kind,
            long delaySeconds) {

        static ActionRow of(ResultSet rs, int row) throws java.sql.SQLException {
            return new ActionRow(rs.getLong("id"), rs.getString("flow_name"), rs.getString("trigger_metric"),
                    rs.getInt("position"), rs.getString("status"), rs.getString("kind"), rs.getLong("delay_seconds"));
        }

        ActionOverview overview(Map<String, Long> counts, long buffered) {
            return new ActionOverview(id, flowName, triggerMetric, position, status, kind, delaySeconds, counts,
                    buffered);
        }

    }

    /** One action with its evaluations by state and its Redis bucket depth. */
    record ActionOverview(long id, String flowName, String triggerMetric, int position, String status, String kind,
            long delaySeconds, Map<String, Long> counts, long buffered) {

        public long total() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }

        public long needsAttention() {
            return counts.get("FAILED") + counts.get("IN_DOUBT");
        }

    }

    /** Messages the mail server accepted in one minute. */
    record MinuteCount(Instant minute, long sent) {
    }

}
