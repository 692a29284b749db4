package io.flowbatch.admin;

import java.time.Instant;
import java.util.List;

import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.evaluation.OperatorMoves;

import org.springframework.stereotype.Component;

/**
 * An operator's verdict on IN_DOUBT evaluations, from the API or the action page: SENT
 * (the mail server's log shows it arrived), logged with the Message-ID the message
 * carried, or FAILED.
 */
@Component
class InDoubtClosures {

    private final OperatorMoves moves;

    private final MessageFactory messages;

    InDoubtClosures(OperatorMoves moves, MessageFactory messages) {
        this.moves = moves;
        this.messages = messages;
    }

    /** Returns how many moved; the others were not IN_DOUBT. */
    int close(List<Long> ids, EvaluationState verdict, Instant now) {
        String reason = "closed as " + verdict + " by an operator";
        return switch (verdict) {
            case SENT -> moves.closeInDoubtAsSent(ids, messages::messageId, reason, now);
            case FAILED -> moves.closeInDoubtAsFailed(ids, reason);
            default ->
                throw new IllegalArgumentException("An IN_DOUBT evaluation closes as SENT or FAILED, not " + verdict);
        };
    }

}
