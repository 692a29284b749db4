package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Operators' reads of evaluations; their moves are the evaluation package's
 * (OperatorMoves).
 */
@Repository
class EvaluationQueries {

    static final String FILTER = """
            FROM evaluation e LEFT JOIN customer c ON c.id = e.customer_id
            WHERE (CAST(:actionId AS bigint) IS NULL OR e.action_id = :actionId)
              AND (CAST(:state AS text) IS NULL OR e.state = :state)
            """;

    static final String PAGE = """
            SELECT e.id, e.action_id, e.customer_id, c.email, e.state, e.attempts, e.reason, e.due_at, e.updated_at,
                   e.in_doubt_closed_at
            """ + FILTER + " ORDER BY e.id DESC LIMIT :limit OFFSET :offset";

    static final String COUNT = "SELECT count(*) " + FILTER;

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
                    instant(rs, "due_at"), instant(rs, "updated_at"), rs.getObject("in_doubt_closed_at") != null,
                    instant(rs, "in_doubt_closed_at")))
            .list();
    }

    long count(Long actionId, String state) {
        return jdbc.sql(COUNT)
            .param("actionId", actionId, java.sql.Types.BIGINT)
            .param("state", state, java.sql.Types.VARCHAR)
            .query(Long.class)
            .single();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        java.sql.Timestamp timestamp = rs.getTimestamp(column);
        return (timestamp != null) ? timestamp.toInstant() : null;
    }

    /**
     * One evaluation as operators see it.
     *
     * @param closedFromInDoubt an operator closed it (as SENT or FAILED) while it was
     * IN_DOUBT: its message may have been delivered, whatever its state says
     * @param inDoubtClosedAt when that was, or null
     */
    record EvaluationRow(long id, long actionId, long customerId, String email, String state, int attempts,
            String reason, Instant dueAt, Instant updatedAt, boolean closedFromInDoubt, Instant inDoubtClosedAt) {
    }

}
