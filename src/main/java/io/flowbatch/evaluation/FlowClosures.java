package io.flowbatch.evaluation;

import java.util.Collection;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static io.flowbatch.evaluation.EvaluationState.BUFFERED;
import static io.flowbatch.evaluation.EvaluationState.CANCELLED;
import static io.flowbatch.evaluation.EvaluationState.WAITING;

/**
 * An archived flow's pending evaluations, or those of steps an edit removed, cancelled in
 * one statement whatever their number, and the waiting evaluations of steps whose delay
 * an edit changed, moved in one. Rows already claimed by a chunk finish that chunk (the
 * processor skips them, seeing the flow archived); a cancelled row's id left in Redis is
 * dropped by the next claim, which takes only BUFFERED rows.
 */
@Repository
public class FlowClosures {

    @Transition(from = { WAITING, BUFFERED }, to = CANCELLED)
    static final String CANCEL_PENDING = """
            UPDATE evaluation e SET state = 'CANCELLED', reason = :reason, claimed_by = NULL, updated_at = now()
            WHERE e.action_id IN (SELECT a.id FROM action a WHERE a.flow_id = :flowId)
              AND e.state IN ('WAITING', 'BUFFERED')
            """;

    /** The pending evaluations of steps an edit removed. */
    @Transition(from = { WAITING, BUFFERED }, to = CANCELLED)
    static final String CANCEL_STEPS = """
            UPDATE evaluation e SET state = 'CANCELLED', reason = :reason, claimed_by = NULL, updated_at = now()
            WHERE e.action_id = ANY(:actionIds::bigint[]) AND e.state IN ('WAITING', 'BUFFERED')
            """;

    /**
     * Evaluations waiting at steps whose delay an edit changed, moved by the change (one
     * statement for every changed step). Those a send window or a frequency cap deferred
     * keep their time: it is the control's, not the delay's.
     */
    @Transition(from = WAITING, to = {})
    static final String RESCHEDULE = """
            UPDATE evaluation e SET due_at = e.due_at + make_interval(secs => c.shift), updated_at = now()
            FROM unnest(:actionIds::bigint[], :shifts::double precision[]) AS c(action_id, shift)
            WHERE e.action_id = c.action_id AND e.state = 'WAITING'
              AND (e.reason IS NULL OR e.reason NOT LIKE 'deferred:%')
            """;

    /**
     * Pending evaluations an archive or an edit did not see: created by a request or a
     * chunk that read the flow live and committed after the closing statement, or
     * requeued by an operator since. Nothing would ever take them (the job buffers and
     * claims only for live flows' current steps), so each run cancels them as the closing
     * statement would have. The counters name the steps that hold any, so a run with none
     * reads no evaluation.
     */
    @Transition(from = { WAITING, BUFFERED }, to = CANCELLED)
    static final String CANCEL_STRANDED = """
            WITH stranded AS (
                SELECT a.id, CASE WHEN f.status = 'ARCHIVED' THEN 'flow archived'
                                  ELSE 'step removed in version ' || a.removed_in_version END
                             || '; found pending by a later run' AS reason
                FROM action a JOIN flow f ON f.id = a.flow_id
                WHERE (f.status = 'ARCHIVED' OR a.removed_in_version IS NOT NULL)
                  AND a.id IN (SELECT action_id FROM (%s) pending)
            )
            UPDATE evaluation e SET state = 'CANCELLED', reason = s.reason, claimed_by = NULL, updated_at = now()
            FROM stranded s
            WHERE e.action_id = s.id AND e.state IN ('WAITING', 'BUFFERED')
            """.formatted(EvaluationCounts.COUNTED.formatted("WHERE state IN ('WAITING', 'BUFFERED')"));

    private final JdbcClient jdbc;

    private final TransactionTemplate ownTransaction;

    FlowClosures(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * Cancels the pending evaluations of archived flows and removed steps, in a
     * transaction of its own (its rows are locked only for as long as it takes); returns
     * how many.
     */
    public int cancelStranded() {
        Integer cancelled = ownTransaction.execute((status) -> jdbc.sql(CANCEL_STRANDED).update());
        return (cancelled != null) ? cancelled : 0;
    }

    /** Cancels every WAITING and BUFFERED evaluation of these steps; returns how many. */
    public int cancelSteps(Collection<Long> actionIds, String reason) {
        if (actionIds.isEmpty()) {
            return 0;
        }
        return jdbc.sql(CANCEL_STEPS)
            .param("actionIds", actionIds.toArray(Long[]::new))
            .param("reason", reason)
            .update();
    }

    /**
     * Moves the WAITING evaluations of each step by its shift in seconds; returns how
     * many.
     */
    public int reschedule(Map<Long, Double> shiftsByAction) {
        if (shiftsByAction.isEmpty()) {
            return 0;
        }
        return jdbc.sql(RESCHEDULE)
            .param("actionIds", shiftsByAction.keySet().toArray(Long[]::new))
            .param("shifts", shiftsByAction.values().toArray(Double[]::new))
            .update();
    }

    /** Cancels every WAITING and BUFFERED evaluation of the flow; returns how many. */
    public int cancelPending(long flowId, String reason) {
        return jdbc.sql(CANCEL_PENDING).param("flowId", flowId).param("reason", reason).update();
    }

}
