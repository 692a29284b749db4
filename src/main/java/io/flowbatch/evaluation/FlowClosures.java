package io.flowbatch.evaluation;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import static io.flowbatch.evaluation.EvaluationState.BUFFERED;
import static io.flowbatch.evaluation.EvaluationState.CANCELLED;
import static io.flowbatch.evaluation.EvaluationState.WAITING;

/**
 * An archived flow's pending evaluations, cancelled in one statement whatever their
 * number. Rows already claimed by a chunk finish that chunk (the processor skips them,
 * seeing the flow archived); a cancelled row's id left in Redis is dropped by the next
 * claim, which takes only BUFFERED rows.
 */
@Repository
public class FlowClosures {

    @Transition(from = { WAITING, BUFFERED }, to = CANCELLED)
    static final String CANCEL_PENDING = """
            UPDATE evaluation e SET state = 'CANCELLED', reason = :reason, claimed_by = NULL, updated_at = now()
            WHERE e.action_id IN (SELECT a.id FROM action a WHERE a.flow_id = :flowId)
              AND e.state IN ('WAITING', 'BUFFERED')
            """;

    private final JdbcClient jdbc;

    FlowClosures(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Cancels every WAITING and BUFFERED evaluation of the flow; returns how many. */
    public int cancelPending(long flowId, String reason) {
        return jdbc.sql(CANCEL_PENDING).param("flowId", flowId).param("reason", reason).update();
    }

}
