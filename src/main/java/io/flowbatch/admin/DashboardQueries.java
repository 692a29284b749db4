package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
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
            SELECT a.id, a.flow_id, a.step_key, a.removed_in_version, a.type, f.name AS flow_name, f.trigger_metric, a.position, a.status,
                   a.status_reason, a.kind,
                   extract(epoch FROM a.delay) AS delay_seconds
            FROM action a JOIN flow f ON f.id = a.flow_id
            """;

    /**
     * Steps an edit removed too: their failed and in-doubt rows still need an operator.
     */
    static final String ACTIONS = ACTION_COLUMNS + " ORDER BY f.name, a.removed_in_version NULLS FIRST, a.position";

    static final String ONE_ACTION = ACTION_COLUMNS + " WHERE a.id = :id";

    /**
     * WAITING evaluations a control holds back (a send window, a frequency cap): their
     * reason starts with this.
     */
    static final String DEFERRED = "state = 'WAITING' AND reason LIKE 'deferred:%'";

    /** Counts by state, and the deferred ones with the earliest of their due times. */
    static final String COUNT_COLUMNS = """
            state, count(*) AS n, count(*) FILTER (WHERE %1$s) AS deferred,
            min(due_at) FILTER (WHERE %1$s) AS next_deferred_due""".formatted(DEFERRED);

    static final String COUNTS = "SELECT action_id, " + COUNT_COLUMNS + " FROM evaluation GROUP BY action_id, state";

    static final String COUNTS_OF_ACTION = "SELECT " + COUNT_COLUMNS
            + " FROM evaluation WHERE action_id = :id GROUP BY state";

    /** What skipped an evaluation, from the reason the job wrote. */
    static final String SKIP_CAUSE = """
            CASE WHEN reason LIKE 'smart sending:%' THEN 'smart sending'
                 WHEN reason LIKE 'frequency cap %' THEN 'frequency cap'
                 WHEN reason = 'customer unsubscribed' THEN 'unsubscribed'
                 WHEN reason LIKE 'customer suppressed%' THEN 'suppressed'
                 WHEN reason LIKE 'flow filter:%' THEN 'exited the flow'
                 WHEN reason LIKE 'profile filter:%' THEN 'profile filter'
                 WHEN reason LIKE 'customer % no longer exists' THEN 'customer deleted'
                 WHEN reason = 'action is a draft' THEN 'draft'
                 ELSE 'other' END""";

    /**
     * One action's skipped evaluations by what skipped them, from the reasons the job
     * writes; its own rows only, through the (action_id, id) index.
     */
    static final String SKIPS_OF_ACTION = """
            SELECT %s AS cause, count(*) AS n
            FROM evaluation WHERE action_id = :id AND state = 'SKIPPED'
            GROUP BY 1 ORDER BY 2 DESC
            """.formatted(SKIP_CAUSE);

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
        Map<Long, Counts> counts = new LinkedHashMap<>();
        jdbc.sql(COUNTS).query((ResultSet rs) -> {
            counts.computeIfAbsent(rs.getLong("action_id"), (id) -> new Counts()).add(rs);
        });
        List<ActionRow> rows = jdbc.sql(ACTIONS).query(ActionRow::of).list();
        Map<Long, Long> buffered = buckets.sizes(rows.stream().map(ActionRow::id).toList());
        return rows.stream()
            .map((row) -> row.overview(counts.getOrDefault(row.id(), new Counts()), buffered.get(row.id())))
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
        Counts counts = new Counts();
        jdbc.sql(COUNTS_OF_ACTION).param("id", id).query(counts::add);
        return row.overview(counts, buckets.size(id));
    }

    /** One action's skipped evaluations by cause, most frequent first. */
    Map<String, Long> skips(long id) {
        Map<String, Long> skips = new LinkedHashMap<>();
        jdbc.sql(SKIPS_OF_ACTION).param("id", id).query((ResultSet rs) -> {
            skips.put(rs.getString("cause"), rs.getLong("n"));
        });
        return skips;
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

    /** Evaluations not settled yet: waiting, buffered, claimed or sending. */
    static long pending(Map<String, Long> counts) {
        return counts.getOrDefault("WAITING", 0L) + counts.getOrDefault("BUFFERED", 0L)
                + counts.getOrDefault("PROCESSING", 0L) + counts.getOrDefault("SENDING", 0L);
    }

    private static Map<String, Long> emptyCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (EvaluationState state : EvaluationState.values()) {
            counts.put(state.name(), 0L);
        }
        return counts;
    }

    /** An action as stored, before its counts are added. */
    private record ActionRow(long id, long flowId, String stepKey, Integer removedInVersion, String type,
            String flowName, String triggerMetric, int position, String status, String statusReason, String kind,
            long delaySeconds) {

        static ActionRow of(ResultSet rs, int row) throws SQLException {
            return new ActionRow(rs.getLong("id"), rs.getLong("flow_id"), rs.getString("step_key"),
                    rs.getObject("removed_in_version", Integer.class), rs.getString("type"), rs.getString("flow_name"),
                    rs.getString("trigger_metric"), rs.getInt("position"), rs.getString("status"),
                    rs.getString("status_reason"), rs.getString("kind"), rs.getLong("delay_seconds"));
        }

        ActionOverview overview(Counts counts, long buffered) {
            return new ActionOverview(id, flowId, stepKey, removedInVersion, type, flowName, triggerMetric, position,
                    status, statusReason, kind, delaySeconds, counts.byState, buffered,
                    new Deferred(counts.deferred, counts.nextDeferredDue));
        }

    }

    /** An action's counts as the count statements return them, a row per state. */
    private static final class Counts {

        private final Map<String, Long> byState = emptyCounts();

        private long deferred;

        private Instant nextDeferredDue;

        void add(ResultSet rs) throws SQLException {
            byState.put(rs.getString("state"), rs.getLong("n"));
            deferred += rs.getLong("deferred");
            Timestamp due = rs.getTimestamp("next_deferred_due");
            if (due != null && (nextDeferredDue == null || due.toInstant().isBefore(nextDeferredDue))) {
                nextDeferredDue = due.toInstant();
            }
        }

    }

    /**
     * WAITING evaluations a send window or a frequency cap holds back, and when the first
     * of them is due.
     */
    record Deferred(long count, Instant nextDue) {
    }

    /**
     * One action with its evaluations by state, its Redis bucket depth, and those
     * deferred (counted among WAITING).
     */
    record ActionOverview(long id, long flowId, String stepKey, Integer removedInVersion, String type, String flowName,
            String triggerMetric, int position, String status, String statusReason, String kind, long delaySeconds,
            Map<String, Long> counts, long buffered, Deferred deferred) {

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
