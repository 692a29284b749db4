package io.flowbatch.evaluation;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The states of an evaluation and, in one place, the moves between them (README,
 * Evaluation states). Every statement that moves a row declares its moves with
 * {@link Transition}, and {@code EvaluationTransitionsTest} checks each declaration
 * against this table and against the statement's SQL: a move that is not here fails the
 * build. Every move in SQL is conditional on the state it leaves, so a second worker, a
 * retry or a stale Redis id can never move a row twice.
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
    /** Accepted, then bounced for good: its address is suppressed. */
    BOUNCED,
    /** Accepted, then reported as spam by its recipient: suppressed and unsubscribed. */
    COMPLAINED,
    /** Not sent on purpose; the reason says why. */
    SKIPPED,
    /**
     * A step that sends nothing did its work: a delay ended, a split or a random split
     * routed the customer on (the reason names the branch).
     */
    DONE,
    /** Permanent error or retries exhausted; an operator may requeue it. */
    FAILED,
    /** A crash hit while the send was in flight: the operator decides. */
    IN_DOUBT,
    /** Withdrawn before it ran: its flow was archived, or an edit removed its step. */
    CANCELLED;

    private static final Map<EvaluationState, Set<EvaluationState>> MOVES = Map.ofEntries(
            Map.entry(WAITING, EnumSet.of(BUFFERED, SKIPPED, DONE, CANCELLED)),
            Map.entry(BUFFERED, EnumSet.of(PROCESSING, CANCELLED)),
            Map.entry(PROCESSING, EnumSet.of(SENDING, SKIPPED, WAITING, BUFFERED)),
            Map.entry(SENDING, EnumSet.of(SENT, FAILED, WAITING, BUFFERED, IN_DOUBT)),
            Map.entry(FAILED, EnumSet.of(WAITING)), Map.entry(IN_DOUBT, EnumSet.of(WAITING, SENT, FAILED)),
            // What the recipient's mail server said later: a bounce, a complaint.
            Map.entry(SENT, EnumSet.of(BOUNCED, COMPLAINED)), Map.entry(BOUNCED, EnumSet.of(COMPLAINED)),
            Map.entry(COMPLAINED, EnumSet.noneOf(EvaluationState.class)),
            Map.entry(SKIPPED, EnumSet.noneOf(EvaluationState.class)),
            Map.entry(DONE, EnumSet.noneOf(EvaluationState.class)),
            Map.entry(CANCELLED, EnumSet.noneOf(EvaluationState.class)));

    public boolean canMoveTo(EvaluationState next) {
        return MOVES.get(this).contains(next);
    }

    /**
     * No move of the job leaves it (an operator may still requeue FAILED and IN_DOUBT; a
     * bounce or a complaint still moves SENT).
     */
    public boolean isFinal() {
        return this == SENT || this == BOUNCED || this == COMPLAINED || this == SKIPPED || this == FAILED
                || this == IN_DOUBT || this == CANCELLED || this == DONE;
    }

    /**
     * The table's moves from one of {@code from} to one of {@code to}, as SQL rows
     * {@code ('FROM', 'TO'), ...}: for a statement whose target state is chosen per row,
     * which then moves a row only where {@code (state, target) IN (VALUES <these>)}.
     */
    static String movesAsSqlRows(Set<EvaluationState> from, Set<EvaluationState> to) {
        return from.stream()
            .flatMap((source) -> MOVES.get(source)
                .stream()
                .filter(to::contains)
                .map((target) -> "('" + source + "', '" + target + "')"))
            .collect(Collectors.joining(", "));
    }

}
