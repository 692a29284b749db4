package io.flowbatch.evaluation;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

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

    private final JdbcClient jdbc;

    FlowClosures(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Cancels every WAITING and BUFFERED evaluation of these steps; returns how many. */
    public int cancelSteps(java.util.Collection<Long> actionIds, String reason) {
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
    public int reschedule(java.util.Map<Long, Double> shiftsByAction) {
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
