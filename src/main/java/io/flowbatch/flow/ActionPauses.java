package io.flowbatch.flow;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Actions held by something other than an operator: the reputation guard pauses a live
 * action with its reason; its due evaluations wait until an operator sets it live again
 * ({@code PUT /api/actions/{id}/status}).
 */
@Repository
public class ActionPauses {

    static final String GUARDED = "SELECT id, status, relay, guard_since FROM action WHERE id = :id";

    static final String ALL_GUARDED = "SELECT id, status, relay, guard_since FROM action";

    /**
     * Only a live action: one an operator holds or drafts stays as the operator left it.
     */
    static final String PAUSE = """
            UPDATE action SET status = 'PAUSED', status_reason = :reason, updated_at = now()
            WHERE id = :id AND status = 'LIVE'
            """;

    /** Paused actions with a reason (one an operator paused has none), newest first. */
    static final String PAUSED_WITH_REASON = """
            SELECT a.id, f.name, a.status_reason FROM action a JOIN flow f ON f.id = a.flow_id
            WHERE a.status = 'PAUSED' AND a.status_reason IS NOT NULL
            ORDER BY a.updated_at DESC
            """;

    private final JdbcClient jdbc;

    ActionPauses(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * What the guard needs of an action.
     *
     * @param relay the relay it sends through; null: {@code default}
     * @param since where its window starts: when an operator last set it live after a
     * hold; null: its first send
     */
    public record Guarded(ActionStatus status, String relay, Instant since) {

        /** Where the guard's windows start: the last resume, or the beginning. */
        public Instant windowStart() {
            return (since != null) ? since : Instant.EPOCH;
        }

    }

    public Optional<Guarded> guarded(long actionId) {
        return jdbc.sql(GUARDED).param("id", actionId).query(ActionPauses::guarded).optional();
    }

    /** Every action, by id. */
    public Map<Long, Guarded> guardedAll() {
        Map<Long, Guarded> all = new HashMap<>();
        jdbc.sql(ALL_GUARDED).query((ResultSet rs) -> {
            all.put(rs.getLong("id"), guarded(rs, 0));
        });
        return all;
    }

    private static Guarded guarded(ResultSet rs, int row) throws SQLException {
        Timestamp since = rs.getTimestamp("guard_since");
        return new Guarded(ActionStatus.valueOf(rs.getString("status")), rs.getString("relay"),
                (since != null) ? since.toInstant() : null);
    }

    /** A paused action, its flow's name and why it was paused. */
    public record Paused(long actionId, String flow, String reason) {
    }

    public List<Paused> pausedWithReason() {
        return jdbc.sql(PAUSED_WITH_REASON)
            .query((rs, row) -> new Paused(rs.getLong("id"), rs.getString("name"), rs.getString("status_reason")))
            .list();
    }

    /** Pauses the action if it is live; false when it was not. */
    public boolean pause(long actionId, String reason) {
        return jdbc.sql(PAUSE).param("id", actionId).param("reason", reason).update() == 1;
    }

}
