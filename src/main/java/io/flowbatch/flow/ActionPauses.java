package io.flowbatch.flow;

import java.sql.Timestamp;
import java.time.Instant;
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

    static final String GUARDED = "SELECT status, relay, guard_since FROM action WHERE id = :id";

    /**
     * Only a live action: one an operator holds or drafts stays as the operator left it.
     */
    static final String PAUSE = """
            UPDATE action SET status = 'PAUSED', status_reason = :reason, updated_at = now()
            WHERE id = :id AND status = 'LIVE'
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
    }

    public Optional<Guarded> guarded(long actionId) {
        return jdbc.sql(GUARDED).param("id", actionId).query((rs, row) -> {
            Timestamp since = rs.getTimestamp("guard_since");
            return new Guarded(ActionStatus.valueOf(rs.getString("status")), rs.getString("relay"),
                    (since != null) ? since.toInstant() : null);
        }).optional();
    }

    /** Pauses the action if it is live; false when it was not. */
    public boolean pause(long actionId, String reason) {
        return jdbc.sql(PAUSE).param("id", actionId).param("reason", reason).update() == 1;
    }

}
