package io.flowbatch.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.flowbatch.delivery.SendPermit;

/**
 * This JVM's view of one step execution's claim lease: valid until a deadline computed
 * from the moment a renewal was <em>sent</em> to the database, so it always ends no later
 * than the database's own {@code expires_at}. Both the monotonic clock and the injected
 * wall clock must be before the deadline: a paused process, whichever clock it wakes up
 * with, finds its lease over and hands nothing more to the mail server.
 */
public final class ClaimLease implements SendPermit {

    private final long stepExecutionId;

    private final Clock clock;

    private volatile long deadlineNanos;

    private volatile Instant deadline;

    private volatile boolean opened;

    private volatile boolean ended;

    /** Not valid until the database confirmed it. */
    ClaimLease(long stepExecutionId, Clock clock) {
        this.stepExecutionId = stepExecutionId;
        this.clock = clock;
        this.deadline = Instant.MIN;
        this.deadlineNanos = System.nanoTime();
    }

    long stepExecutionId() {
        return stepExecutionId;
    }

    /**
     * Records a renewal (or the opening) that the database confirmed; {@code asked} is
     * when it was sent.
     */
    void confirmed(Instant askedAt, long askedAtNanos, Duration lease) {
        if (!ended) {
            this.deadlineNanos = askedAtNanos + lease.toNanos();
            this.deadline = askedAt.plus(lease);
            this.opened = true;
        }
    }

    /** Whether the database confirmed it once: only such leases are renewed. */
    boolean opened() {
        return opened;
    }

    /** The database did not renew it, or the step ended: never valid again. */
    void end() {
        this.ended = true;
    }

    @Override
    public boolean granted() {
        return !ended && System.nanoTime() - deadlineNanos < 0 && clock.instant().isBefore(deadline);
    }

}
