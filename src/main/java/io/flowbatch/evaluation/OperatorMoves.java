package io.flowbatch.evaluation;

import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongFunction;

import io.flowbatch.system.LocalTimeProperties;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import static io.flowbatch.evaluation.EvaluationState.FAILED;
import static io.flowbatch.evaluation.EvaluationState.IN_DOUBT;
import static io.flowbatch.evaluation.EvaluationState.SENT;
import static io.flowbatch.evaluation.EvaluationState.WAITING;

/**
 * Operators' moves of evaluations, each one set-based and conditional on the state it
 * leaves.
 */
@Repository
public class OperatorMoves {

    /**
     * A requeue: FAILED and IN_DOUBT rows back to WAITING, due now, except two kinds,
     * which are returned with why they stayed:
     * <ul>
     * <li>IN_DOUBT rows whose sending step execution may still hand them to the mail
     * server: its claim lease has not ended the send grace ago (the time after which
     * recovery, too, takes a sender's rows for settled);</li>
     * <li>rows an operator closed from IN_DOUBT: their message may have been delivered.
     * Only a requeue by id with {@code :confirmDuplicate} takes them.</li>
     * </ul>
     * The first row carries the number requeued; each further row is one left alone.
     */
    @Transition(from = { FAILED, IN_DOUBT }, to = WAITING)
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

    @Transition(from = { FAILED, IN_DOUBT }, to = WAITING)
    static final String REQUEUE_IDS = REQUEUE.formatted("e.id = ANY(:ids::bigint[])");

    @Transition(from = { FAILED, IN_DOUBT }, to = WAITING)
    static final String REQUEUE_ACTION_STATE = REQUEUE.formatted("e.action_id = :actionId AND e.state = :state");

    @Transition(from = IN_DOUBT, to = FAILED)
    static final String RESOLVE_IN_DOUBT_AS_FAILED = """
            UPDATE evaluation SET state = 'FAILED', reason = :reason, in_doubt_closed_at = now(), updated_at = now()
            WHERE id = ANY(:ids::bigint[]) AND state = 'IN_DOUBT'
            """;

    /**
     * IN_DOUBT closed as SENT is what a send would have recorded: the delivery log, with
     * the Message-ID the message had (passed in, as the delivery package makes it), and
     * the flow's next step.
     */
    @Transition(from = IN_DOUBT, to = SENT)
    static final String RESOLVE_IN_DOUBT_AS_SENT = """
            WITH resolved AS (
                UPDATE evaluation SET state = 'SENT', reason = :reason, in_doubt_closed_at = now(), updated_at = now()
                WHERE id = ANY(:ids::bigint[]) AND state = 'IN_DOUBT'
                RETURNING id, action_id, customer_id, event_id, flow_started_at
            ), logged AS (
                INSERT INTO delivery_log (evaluation_id, message_id, recipient, sent_at, smtp_reply)
                SELECT r.id, m.message_id, COALESCE(c.email, ''), :now, 'confirmed by an operator'
                FROM resolved r
                JOIN unnest(:ids::bigint[], :messageIds::text[]) AS m(id, message_id) ON m.id = r.id
                LEFT JOIN customer c ON c.id = r.customer_id
                ON CONFLICT (evaluation_id) DO NOTHING
            ), continued AS (%s)
            SELECT count(*) FROM resolved
            """.formatted(FlowSteps.nextStepsOf("resolved"));

    /** Refusals a requeue answer lists; the rest are counted. */
    static final int MAX_REFUSALS = 100;

    private final JdbcClient jdbc;

    private final String defaultZone;

    OperatorMoves(JdbcClient jdbc, LocalTimeProperties localTime) {
        this.jdbc = jdbc;
        this.defaultZone = localTime.defaultZoneName();
    }

    /**
     * Requeues these FAILED and IN_DOUBT evaluations; rows closed from IN_DOUBT only when
     * the operator confirmed that a duplicate may result.
     */
    public Requeued requeue(List<Long> ids, boolean confirmDuplicate, Instant now, String reason) {
        return requeued(jdbc.sql(REQUEUE_IDS).param("ids", ids.toArray(Long[]::new)), confirmDuplicate, now, reason);
    }

    /**
     * Requeues an action's FAILED or IN_DOUBT evaluations; never those closed from
     * IN_DOUBT.
     */
    public Requeued requeue(long actionId, EvaluationState state, Instant now, String reason) {
        return requeued(jdbc.sql(REQUEUE_ACTION_STATE).param("actionId", actionId).param("state", state.name()), false,
                now, reason);
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
                    refusals.add(new Refusal(id, refusalReason(EvaluationStore.instant(rs, "in_doubt_closed_at"),
                            EvaluationStore.instant(rs, "settled_at"))));
                }
            });
        refusals.sort(Comparator.comparingLong(Refusal::id));
        return new Requeued((int) requeued[0], (int) refused[0], refusals);
    }

    /**
     * A row closed from IN_DOUBT is FAILED or SENT, never IN_DOUBT: it has no sender to
     * wait for.
     */
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
    public record Requeued(int requeued, int refused, List<Refusal> refusals) {
    }

    /** One evaluation a requeue left alone, and why. */
    public record Refusal(long id, String reason) {
    }

    /** Closes IN_DOUBT evaluations as FAILED; returns how many moved. */
    public int closeInDoubtAsFailed(List<Long> ids, String reason) {
        return jdbc.sql(RESOLVE_IN_DOUBT_AS_FAILED)
            .param("ids", ids.toArray(Long[]::new))
            .param("reason", reason)
            .update();
    }

    /**
     * Closes IN_DOUBT evaluations as SENT, logging each with the Message-ID its message
     * had and continuing its flow; returns how many moved.
     */
    public int closeInDoubtAsSent(List<Long> ids, LongFunction<String> messageId, String reason, Instant now) {
        return jdbc.sql(RESOLVE_IN_DOUBT_AS_SENT)
            .param("ids", ids.toArray(Long[]::new))
            .param("messageIds", ids.stream().map((id) -> messageId.apply(id)).toArray(String[]::new))
            .param("reason", reason)
            .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
            .param("defaultZone", defaultZone)
            .query(Long.class)
            .single()
            .intValue();
    }

}
