package io.flowbatch.execution;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the minute job executes due evaluations.
 *
 * @param chunkSize evaluations per chunk: one status check, one customer query and one outcome
 *     write for this many
 * @param threads action partitions executed at once
 * @param bufferPageSize due evaluations the buffer step claims per statement
 * @param reconcileAfter a BUFFERED evaluation untouched this long is pushed to its Redis bucket
 *     again, in case Redis lost it (two schedule periods by default)
 * @param staleAfter a running execution whose job and steps have not been updated for this long
 *     is taken as dead (its process is gone) and recovered before the next run
 * @param recoverAllAtStart at start, take every execution still marked running as dead: right for
 *     one instance, wrong for several sharing the database (a starting node would fail the runs of
 *     live ones). Unset, it is true with local partitioning and false with remote; with several
 *     instances and local partitioning set it to false (a dead node's runs are then recovered
 *     by the dead-node sweep, README "Running more than one instance")
 * @param mode {@code batched}, or {@code per-item}: one evaluation at a time, each loading its
 *     action, template, customer and flow filter, rendering without the compiled-template cache
 *     and sending on a connection of its own, the way the write-up's pipeline worked before
 *     batching; kept as the benchmark's baseline
 * @param partitioning {@code local}: the action partitions of a run execute on threads of the
 *     node that runs it; {@code remote}: they are sent as Spring Batch StepExecutionRequests
 *     through a PostgreSQL-backed channel to every node with the worker role
 * @param partitionTimeout remote partitioning: how long a manager waits for all partitions of a
 *     run before it fails the run (a partition whose worker died ends sooner, when the dead-node
 *     sweep fails it)
 * @param partitionPollInterval remote partitioning: how often a manager polls the JobRepository
 *     for the partitions that ended
 * @param claimLease how long a step execution's claim on its evaluations lasts without renewal;
 *     its node renews it every sixth of this while the step runs. A step whose lease ran out
 *     (its node paused, died or lost the database for this long) claims, marks and hands over
 *     nothing more, and its claimed rows are recovered
 * @param sendGrace how long after a lease ran out its SENDING rows are still left alone: the
 *     longest a message handed over just before the expiry can take to reach the mail server.
 *     Unset, it is the SMTP write and read timeouts plus five seconds; set, it must be at least
 *     those timeouts
 */
@ConfigurationProperties("flowbatch.execution")
public record ExecutionProperties(@DefaultValue("500") int chunkSize, @DefaultValue("4") int threads,
        @DefaultValue("5000") int bufferPageSize, @DefaultValue("PT2M") Duration reconcileAfter,
        @DefaultValue("PT15M") Duration staleAfter, Boolean recoverAllAtStart, @DefaultValue("batched") String mode,
        @DefaultValue(LOCAL) String partitioning, @DefaultValue("PT1H") Duration partitionTimeout,
        @DefaultValue("PT1S") Duration partitionPollInterval, @DefaultValue("PT30S") Duration claimLease,
        Duration sendGrace) {

    public static final String BATCHED = "batched";

    public static final String PER_ITEM = "per-item";

    public static final String LOCAL = "local";

    public static final String REMOTE = "remote";

    public ExecutionProperties {
        if (chunkSize < 1 || threads < 1 || bufferPageSize < 1) {
            throw new IllegalArgumentException("flowbatch.execution sizes must be at least 1");
        }
        if (!BATCHED.equals(mode) && !PER_ITEM.equals(mode)) {
            throw new IllegalArgumentException("flowbatch.execution.mode must be batched or per-item, not " + mode);
        }
        if (!LOCAL.equals(partitioning) && !REMOTE.equals(partitioning)) {
            throw new IllegalArgumentException(
                    "flowbatch.execution.partitioning must be local or remote, not " + partitioning);
        }
        if (partitionTimeout.isNegative() || partitionTimeout.isZero() || partitionPollInterval.isNegative()
                || partitionPollInterval.isZero()) {
            throw new IllegalArgumentException("flowbatch.execution partition timeout and poll interval must be positive");
        }
        if (claimLease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("flowbatch.execution.claim-lease must be at least one second, not "
                    + claimLease);
        }
        if (sendGrace != null && sendGrace.isNegative()) {
            throw new IllegalArgumentException("flowbatch.execution.send-grace must not be negative, not " + sendGrace);
        }
    }

    public boolean remote() {
        return REMOTE.equals(partitioning);
    }

    /** Whether every execution marked running is dead at start: only when this is the only node. */
    public boolean effectiveRecoverAllAtStart() {
        return (recoverAllAtStart != null) ? recoverAllAtStart : !remote();
    }

    public boolean perItem() {
        return PER_ITEM.equals(mode);
    }

    /** Evaluations per chunk: one at a time in per-item mode. */
    public int effectiveChunkSize() {
        return perItem() ? 1 : chunkSize;
    }

}
