package io.flowbatch.evaluation;

import java.time.Instant;

/**
 * Where one evaluation goes at the end of its chunk, written with all the others of the
 * chunk in one statement.
 *
 * @param evaluationId the evaluation
 * @param state its next state
 * @param reason why, for operators; null when sent
 * @param attempted whether a send was attempted (counts towards the attempt limit)
 * @param dueAt a new due time (retry later), or null to keep it
 * @param continueFlow whether the flow's next action gets its evaluation
 * @param delivery what the mail server accepted, for the delivery log; null unless sent
 */
public record Outcome(long evaluationId, EvaluationState state, String reason, boolean attempted, Instant dueAt,
        boolean continueFlow, DeliveryRecord delivery) {

    public static Outcome skipped(long evaluationId, String reason, boolean continueFlow) {
        return new Outcome(evaluationId, EvaluationState.SKIPPED, reason, false, null, continueFlow, null);
    }

    /** Back to WAITING untouched: its action is paused or manual. */
    public static Outcome released(long evaluationId, String reason) {
        return new Outcome(evaluationId, EvaluationState.WAITING, reason, false, null, false, null);
    }

    /**
     * Back to WAITING until {@code dueAt}, not an attempt: a control (a frequency cap)
     * holds it back until then.
     */
    public static Outcome deferred(long evaluationId, String reason, Instant dueAt) {
        return new Outcome(evaluationId, EvaluationState.WAITING, reason, false, dueAt, false, null);
    }

    public static Outcome sent(long evaluationId, DeliveryRecord delivery) {
        return new Outcome(evaluationId, EvaluationState.SENT, null, true, null, true, delivery);
    }

    public static Outcome failed(long evaluationId, String reason) {
        return new Outcome(evaluationId, EvaluationState.FAILED, reason, true, null, false, null);
    }

    public static Outcome retryLater(long evaluationId, String reason, Instant dueAt) {
        return new Outcome(evaluationId, EvaluationState.WAITING, reason, true, dueAt, false, null);
    }

    public static Outcome inDoubt(long evaluationId, String reason) {
        return new Outcome(evaluationId, EvaluationState.IN_DOUBT, reason, true, null, false, null);
    }

    /** The proof of one accepted message. */
    public record DeliveryRecord(String messageId, String recipient, Instant sentAt, String reply) {
    }

}
