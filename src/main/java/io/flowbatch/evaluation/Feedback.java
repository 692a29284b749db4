package io.flowbatch.evaluation;

import java.util.EnumSet;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import static io.flowbatch.evaluation.EvaluationState.BOUNCED;
import static io.flowbatch.evaluation.EvaluationState.COMPLAINED;
import static io.flowbatch.evaluation.EvaluationState.SENT;

/**
 * What a recipient's mail server says after it accepted a message: a sent evaluation
 * moves to BOUNCED or COMPLAINED, keeping its delivery log.
 */
@Repository
public class Feedback {

    /** The message flowbatch sent for an evaluation, as its delivery log has it. */
    static final String SENT_MESSAGE = """
            SELECT d.evaluation_id, d.message_id, d.recipient, e.customer_id, e.action_id FROM delivery_log d
            JOIN evaluation e ON e.id = d.evaluation_id
            WHERE d.evaluation_id = :id
            """;

    /** A sent (or bounced) evaluation to the state the report says, along the table. */
    @Transition(from = { SENT, BOUNCED }, to = { BOUNCED, COMPLAINED }, perRow = true)
    static final String MARK = """
            UPDATE evaluation SET state = :state, reason = :reason, updated_at = now()
            WHERE id = :id AND (state, CAST(:state AS text)) IN (VALUES %s)
            """.formatted(EvaluationState.movesAsSqlRows(EnumSet.of(SENT, BOUNCED), EnumSet.of(BOUNCED, COMPLAINED)));

    private final JdbcClient jdbc;

    Feedback(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A message that went out: its evaluation, Message-ID, recipient, customer and
     * action.
     */
    public record SentMessage(long evaluationId, String messageId, String recipient, long customerId, long actionId) {
    }

    public Optional<SentMessage> sentMessage(long evaluationId) {
        return jdbc.sql(SENT_MESSAGE)
            .param("id", evaluationId)
            .query((rs, row) -> new SentMessage(rs.getLong("evaluation_id"), rs.getString("message_id"),
                    rs.getString("recipient"), rs.getLong("customer_id"), rs.getLong("action_id")))
            .optional();
    }

    /**
     * Moves the evaluation to {@code state} (BOUNCED or COMPLAINED) with the reason;
     * false when its state does not allow it (a complaint already recorded, say).
     */
    public boolean mark(long evaluationId, EvaluationState state, String reason) {
        if (state != BOUNCED && state != COMPLAINED) {
            throw new IllegalArgumentException("not a feedback state: " + state);
        }
        return jdbc.sql(MARK)
            .param("id", evaluationId)
            .param("state", state.name())
            .param("reason", reason)
            .update() == 1;
    }

}
