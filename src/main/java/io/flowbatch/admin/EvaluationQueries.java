package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import io.flowbatch.delivery.DeliveryProperties;

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

    static final String RESOLVE_IN_DOUBT_AS_FAILED = """
            UPDATE evaluation SET state = 'FAILED', reason = :reason, updated_at = now()
            WHERE id = ANY(:ids::bigint[]) AND state = 'IN_DOUBT'
            """;

    /**
     * IN_DOUBT closed as SENT is what a send would have recorded: the delivery log (the
     * Message-ID as MessageFactory makes it) and the flow's next step.
     */
    static final String RESOLVE_IN_DOUBT_AS_SENT = """
            WITH resolved AS (
                UPDATE evaluation SET state = 'SENT', reason = :reason, updated_at = now()
                WHERE id = ANY(:ids::bigint[]) AND state = 'IN_DOUBT'
                RETURNING id, action_id, customer_id, event_id, flow_started_at
            ), logged AS (
                INSERT INTO delivery_log (evaluation_id, message_id, recipient, sent_at, smtp_reply)
                SELECT r.id, '<evaluation-' || r.id || '@' || :messageIdDomain || '>', COALESCE(c.email, ''), :now,
                       'confirmed by an operator'
                FROM resolved r LEFT JOIN customer c ON c.id = r.customer_id
                ON CONFLICT (evaluation_id) DO NOTHING
            ), continued AS (
                INSERT INTO evaluation (action_id, customer_id, event_id, flow_started_at, due_at)
                SELECT n.next_action_id, r.customer_id, r.event_id, r.flow_started_at, :now + n.next_delay
                FROM resolved r JOIN action_next n ON n.action_id = r.action_id
            )
            SELECT count(*) FROM resolved
            """;

    private final JdbcClient jdbc;

    private final String messageIdDomain;

    EvaluationQueries(JdbcClient jdbc, DeliveryProperties delivery) {
        this.jdbc = jdbc;
        this.messageIdDomain = delivery.messageIdDomain();
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

    /** Closes IN_DOUBT evaluations as SENT (continuing their flows) or FAILED; returns how many moved. */
    int resolveInDoubt(List<Long> ids, String state, String reason, Instant now) {
        if ("SENT".equals(state)) {
            return jdbc.sql(RESOLVE_IN_DOUBT_AS_SENT)
                .param("ids", ids.toArray(Long[]::new))
                .param("reason", reason)
                .param("messageIdDomain", messageIdDomain)
                .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                .query(Long.class)
                .single()
                .intValue();
        }
        return jdbc.sql(RESOLVE_IN_DOUBT_AS_FAILED).param("ids", ids.toArray(Long[]::new)).param("reason", reason).update();
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
