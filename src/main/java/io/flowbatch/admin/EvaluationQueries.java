package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Operators' reads and moves of evaluations, each one set-based and conditional on the state. */
@Repository
class EvaluationQueries {

    static final String FILTER = """
            FROM evaluation e LEFT JOIN customer c ON c.id = e.customer_id
            WHERE (CAST(:actionId AS bigint) IS NULL OR e.action_id = :actionId)
              AND (CAST(:state AS text) IS NULL OR e.state = :state)
            """;

    static final String PAGE = """
            SELECT e.id, e.action_id, e.customer_id, c.email, e.state, e.attempts, e.reason, e.due_at, e.updated_at
            """ + FILTER + " ORDER BY e.id DESC LIMIT :limit OFFSET :offset";

    static final String COUNT = "SELECT count(*) " + FILTER;

    static final String REQUEUE_IDS = """
            UPDATE evaluation SET state = 'WAITING', due_at = :now, attempts = 0, claimed_by = NULL,
                                  reason = :reason, updated_at = now()
            WHERE id = ANY(:ids::bigint[]) AND state IN ('FAILED', 'IN_DOUBT')
            """;

    static final String REQUEUE_ACTION_STATE = """
            UPDATE evaluation SET state = 'WAITING', due_at = :now, attempts = 0, claimed_by = NULL,
                                  reason = :reason, updated_at = now()
            WHERE action_id = :actionId AND state = :state
            """;

    static final String RESOLVE_IN_DOUBT = """
            UPDATE evaluation SET state = :state, reason = :reason, updated_at = now()
            WHERE id = ANY(:ids::bigint[]) AND state = 'IN_DOUBT'
            """;

    private final JdbcClient jdbc;

    EvaluationQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<EvaluationRow> page(Long actionId, String state, int page, int size) {
        return jdbc.sql(PAGE)
            .param("actionId", actionId, java.sql.Types.BIGINT)
            .param("state", state, java.sql.Types.VARCHAR)
            .param("limit", size)
            .param("offset", (long) page * size)
            .query((rs, row) -> new EvaluationRow(rs.getLong("id"), rs.getLong("action_id"), rs.getLong("customer_id"),
                    rs.getString("email"), rs.getString("state"), rs.getInt("attempts"), rs.getString("reason"),
                    instant(rs, "due_at"), instant(rs, "updated_at")))
            .list();
    }

    long count(Long actionId, String state) {
        return jdbc.sql(COUNT)
            .param("actionId", actionId, java.sql.Types.BIGINT)
            .param("state", state, java.sql.Types.VARCHAR)
            .query(Long.class)
            .single();
    }

    int requeue(List<Long> ids, Instant now, String reason) {
        return jdbc.sql(REQUEUE_IDS)
            .param("ids", ids.toArray(Long[]::new))
            .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
            .param("reason", reason)
            .update();
    }

    int requeue(long actionId, String state, Instant now, String reason) {
        return jdbc.sql(REQUEUE_ACTION_STATE)
            .param("actionId", actionId)
            .param("state", state)
            .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
            .param("reason", reason)
            .update();
    }

    int resolveInDoubt(List<Long> ids, String state, String reason) {
        return jdbc.sql(RESOLVE_IN_DOUBT)
            .param("ids", ids.toArray(Long[]::new))
            .param("state", state)
            .param("reason", reason)
            .update();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        java.sql.Timestamp timestamp = rs.getTimestamp(column);
        return (timestamp != null) ? timestamp.toInstant() : null;
    }

    /** One evaluation as operators see it. */
    record EvaluationRow(long id, long actionId, long customerId, String email, String state, int attempts,
            String reason, Instant dueAt, Instant updatedAt) {
    }

}
