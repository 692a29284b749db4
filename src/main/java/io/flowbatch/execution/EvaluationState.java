package io.flowbatch.execution;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of an evaluation and, in one place, the moves between them (README, Evaluation states). Every
 * move in SQL is a conditional update from one of the states listed here, so a second worker,
 * a retry or a stale Redis id can never move a row twice.
 */
public enum EvaluationState {

    /** Created, not yet due, or due and not yet buffered. */
    WAITING,
    /** Its id is (or should be) in its action's Redis bucket. */
    BUFFERED,
    /** Claimed by one step execution; nothing sent yet. */
    PROCESSING,
    /** The send is in flight. */
    SENDING,
    /** The mail server accepted it. */
    SENT,
    /** Not sent on purpose; the reason says why. */
    SKIPPED,
    /** Permanent error or retries exhausted; an operator may requeue it. */
    FAILED,
    /** A crash hit while the send was in flight: the operator decides. */
    IN_DOUBT,
    /** Withdrawn before it ran. */
    CANCELLED;

    private static final Map<EvaluationState, Set<EvaluationState>> MOVES = Map.of(
            WAITING, EnumSet.of(BUFFERED, SKIPPED, CANCELLED),
            BUFFERED, EnumSet.of(PROCESSING),
            PROCESSING, EnumSet.of(SENDING, SKIPPED, WAITING, BUFFERED),
            SENDING, EnumSet.of(SENT, FAILED, WAITING, BUFFERED, IN_DOUBT),
            FAILED, EnumSet.of(WAITING),
            IN_DOUBT, EnumSet.of(WAITING, SENT, FAILED),
            SENT, EnumSet.noneOf(EvaluationState.class),
            SKIPPED, EnumSet.noneOf(EvaluationState.class),
            CANCELLED, EnumSet.noneOf(EvaluationState.class));

    public boolean canMoveTo(EvaluationState next) {
        return MOVES.get(this).contains(next);
    }

    /** No automatic move leaves it (an operator may still requeue FAILED and IN_DOUBT). */
    public boolean isFinal() {
        return this == SENT || this == SKIPPED || this == FAILED || this == IN_DOUBT || this == CANCELLED;
    }

}
