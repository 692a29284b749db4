package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
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
            SELECT e.id, e.action_id, e.customer_id, c.email, e.state, e.attempts, e.reason, e.due_at, e.updated_at,
                   e.in_doubt_closed_at
            """ + FILTER + " ORDER BY e.id DESC LIMIT :limit OFFSET :offset";

    static final String COUNT = "SELECT count(*) " + FILTER;

    /**
     * A requeue: FAILED and IN_DOUBT rows back to WAITING, due now, except two kinds, which are
     * returned with why they stayed:
     * <ul>
     * <li>IN_DOUBT rows whose sending step execution may still hand them to the mail server: its
     * claim lease has not ended the send grace ago (the time after which recovery, too, takes a
     * sender's rows for settled);</li>
     * <li>rows an operator closed from IN_DOUBT: their message may have been delivered. Only a
     * requeue by id with {@code :confirmDuplicate} takes them.</li>
     * </ul>
     * The first row carries the number requeued; each further row is one left alone.
     */
    static final String REQUEUE = """
            WITH target AS (
                SELECT e.id, e.in_doubt_closed_at,
                       CASE WHEN e.state = 'IN_DOUBT' THEN
                           (SELECT l.expires_at + l.send_grace FROM claim_lease l
                            WHERE l.step_execution_id = e.claimed_by) END AS settled_at
                FROM evaluation e
                WHERE %s AND e.state IN ('FAILED', 'IN_DOUBT')
                FOR UPDATE OF e
            ), requeued AS (
                UPDATE evaluation e SET state = 'WAITING', due_at = :now, attempts = 0, claimed_by = NULL,
                                        in_doubt_closed_at = NULL, reason = :reason, updated_at = now()
                FROM target t
                WHERE e.id = t.id AND (t.settled_at IS NULL OR t.settled_at <= now())
                  AND (t.in_doubt_closed_at IS NULL OR :confirmDuplicate)
                RETURNING e.id
            )
            SELECT NULL::bigint AS id, NULL::timestamptz AS in_doubt_closed_at, NULL::timestamptz AS settled_at,
                   (SELECT count(*) FROM requeued) AS requeued
            UNION ALL
            SELECT t.id, t.in_doubt_closed_at, t.settled_at, 0 FROM target t
            WHERE NOT EXISTS (SELECT 1 FROM requeued r WHERE r.id = t.id)
            """;

    static final String REQUEUE_IDS = REQUEUE.formatted("e.id = ANY(:ids::bigint[])");

    static final String REQUEUE_ACTION_STATE = REQUEUE.formatted("e.action_id = :actionId AND e.state = :state");

    static final String RESOLVE_IN_DOUBT_AS_FAILED = """
            UPDATE evaluation SET state = 'FAILED', reason = :reason, in_doubt_closed_at = now(), updated_at = now()
            WHERE id = ANY(:ids::bigint[]) AND state = 'IN_DOUBT'
            """;

    /**
     * IN_DOUBT closed as SENT is what a send would have recorded: the delivery log (the
     * Message-ID as MessageFactory makes it) and the flow's next step.
     */
    static final String RESOLVE_IN_DOUBT_AS_SENT = """
            WITH resolved AS (
                UPDATE evaluation SET state = 'SENT', reason = :reason, in_doubt_closed_at = now(), updated_at = now()
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

    /** Refusals a requeue answer lists; the rest are counted. */
    static final int MAX_REFUSALS = 100;

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

    /**
     * Requeues these FAILED and IN_DOUBT evaluations; rows closed from IN_DOUBT only when the
     * operator confirmed that a duplicate may result.
     */
    Requeued requeue(List<Long> ids, boolean confirmDuplicate, Instant now, String reason) {
        return requeued(jdbc.sql(REQUEUE_IDS).param("ids", ids.toArray(Long[]::new)), confirmDuplicate, now, reason);
    }

    /** Requeues an action's FAILED or IN_DOUBT evaluations; never those closed from IN_DOUBT. */
    Requeued requeue(long actionId, String state, Instant now, String reason) {
        return requeued(jdbc.sql(REQUEUE_ACTION_STATE).param("actionId", actionId).param("state", state), false, now,
                reason);
    }

    private Requeued requeued(JdbcClient.StatementSpec statement, boolean confirmDuplicate, Instant now,
            String reason) {
        long[] requeued = new long[1];
        long[] refused = new long[1];
        List<Refusal> refusals = new ArrayList<>();
        statement.param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
            .param("reason", reason)
            .param("confirmDuplicate", confirmDuplicate)
            .query((ResultSet rs) -> {
                long id = rs.getLong("id");
                if (rs.wasNull()) {
                    requeued[0] = rs.getLong("requeued");
                    return;
                }
                refused[0]++;
                if (refusals.size() < MAX_REFUSALS) {
                    refusals.add(new Refusal(id, refusalReason(instant(rs, "in_doubt_closed_at"),
                            instant(rs, "settled_at"))));
                }
            });
        refusals.sort(Comparator.comparingLong(Refusal::id));
        return new Requeued((int) requeued[0], (int) refused[0], refusals);
    }

    /** A row closed from IN_DOUBT is FAILED or SENT, never IN_DOUBT: it has no sender to wait for. */
    private static String refusalReason(Instant closedAt, Instant settledAt) {
        if (closedAt == null) {
            return "the step execution that was sending it may still hand it to the mail server until " + settledAt
                    + " (its claim lease plus the send grace); requeue it after that, once the mail server's log "
                    + "shows it did not arrive";
        }
        return "closed from IN_DOUBT by an operator at " + closedAt + ": its message may have been delivered, so "
                + "requeueing it may send it twice; requeue it by id with \"confirmDuplicate\": true if that is "
                + "what you want";
    }

    /**
     * What a requeue did.
     *
     * @param requeued evaluations back to WAITING, due now
     * @param refused evaluations left as they were
     * @param refusals the first {@value #MAX_REFUSALS} of those left, each with why
     */
    record Requeued(int requeued, int refused, List<Refusal> refusals) {
    }

    /** One evaluation a requeue left alone, and why. */
    record Refusal(long id, String reason) {
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

    /**
     * One evaluation as operators see it.
     *
     * @param closedFromInDoubt an operator closed it (as SENT or FAILED) while it was IN_DOUBT:
     *     its message may have been delivered, whatever its state says
     * @param inDoubtClosedAt when that was, or null
     */
    record EvaluationRow(long id, long actionId, long customerId, String email, String state, int attempts,
            String reason, Instant dueAt, Instant updatedAt, boolean closedFromInDoubt, Instant inDoubtClosedAt) {
    }

}
