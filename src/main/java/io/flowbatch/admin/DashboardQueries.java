package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.evaluation.EvaluationCounts;
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

    static final String SENT_PER_MINUTE = """
            SELECT date_trunc('minute', sent_at) AS minute, count(*) AS n FROM delivery_log
            WHERE sent_at >= :since GROUP BY 1
            """;

    private final JdbcClient jdbc;

    private final EvaluationCounts evaluationCounts;

    private final Buckets buckets;

    private final Clock clock;

    DashboardQueries(JdbcClient jdbc, EvaluationCounts evaluationCounts, Buckets buckets, Clock clock) {
        this.jdbc = jdbc;
        this.evaluationCounts = evaluationCounts;
        this.buckets = buckets;
        this.clock = clock;
    }

    /**
     * Every action with its counts, from the counters: the same few statements at 100
     * million evaluations as at 100.
     */
    List<ActionOverview> actions() {
        List<ActionRow> rows = jdbc.sql(ACTIONS).query(ActionRow::of).list();
        Map<Long, Counts> counts = counts(evaluationCounts.all());
        Map<Long, Long> buffered = buckets.sizes(rows.stream().map(ActionRow::id).toList());
        return rows.stream()
            .map((row) -> row.overview(counts.getOrDefault(row.id(), new Counts()), buffered.get(row.id())))
            .toList();
    }

    /** One action with its counts, from the counters. */
    ActionOverview action(long id) {
        ActionRow row = jdbc.sql(ONE_ACTION).param("id", id).query(ActionRow::of).optional().orElse(null);
        if (row == null) {
            return null;
        }
        Counts counts = counts(evaluationCounts.ofSteps(List.of(id))).getOrDefault(id, new Counts());
        return row.overview(counts, buckets.size(id));
    }

    /** One action's skipped evaluations by cause, most frequent first. */
    Map<String, Long> skips(long id) {
        Map<String, Long> skips = new LinkedHashMap<>();
        evaluationCounts.ofSteps(List.of(id))
            .stream()
            .filter((count) -> EvaluationState.SKIPPED.name().equals(count.state()))
            .sorted(Comparator.comparingLong(EvaluationCounts.Count::n).reversed())
            .forEach((count) -> skips.put(count.detail(), count.n()));
        return skips;
    }

    /**
     * Counts by action and state, with the deferred ones and, where there are some, the
     * earliest of their due times.
     */
    private Map<Long, Counts> counts(List<EvaluationCounts.Count> rows) {
        Map<Long, Counts> counts = new LinkedHashMap<>();
        for (EvaluationCounts.Count row : rows) {
            counts.computeIfAbsent(row.actionId(), (id) -> new Counts()).add(row);
        }
        List<Long> deferring = counts.entrySet()
            .stream()
            .filter((entry) -> entry.getValue().deferred > 0)
            .map(Map.Entry::getKey)
            .toList();
        evaluationCounts.nextDeferredDue(deferring).forEach((id, due) -> counts.get(id).nextDeferredDue = due);
        return counts;
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

    /** An action's counts by state, summed over the counters' details. */
    private static final class Counts {

        private final Map<String, Long> byState = emptyCounts();

        private long deferred;

        private Instant nextDeferredDue;

        void add(EvaluationCounts.Count count) {
            byState.merge(count.state(), count.n(), Long::sum);
            if (count.deferred()) {
                deferred += count.n();
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
