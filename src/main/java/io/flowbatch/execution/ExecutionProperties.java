package io.flowbatch.execution;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the minute job executes due evaluations. A value out of range, or a choice that is
 * not one of the enum's values (written in kebab case, {@code per-item}), fails start-up
 * naming the property and, for a choice, the values allowed.
 *
 * @param chunkSize evaluations per chunk: one status check, one customer query and one
 * outcome write for this many
 * @param threads action partitions executed at once
 * @param bufferPageSize due evaluations the buffer step claims per statement
 * @param reconcileAfter a BUFFERED evaluation untouched this long is pushed to its Redis
 * bucket again, in case Redis lost it (two schedule periods by default)
 * @param staleAfter a running execution whose job and steps have not been updated for
 * this long is taken as dead (its process is gone) and recovered before the next run
 * @param recoverAllAtStart at start, take every execution still marked running as dead:
 * right for one instance, wrong for several sharing the database (a starting node would
 * fail the runs of live ones). Unset, it is true with local partitioning and false with
 * remote; with several instances and local partitioning set it to false (a dead node's
 * runs are then recovered by the dead-node sweep, README "Running more than one
 * instance")
 * @param mode {@code batched}, or {@code per-item}: one evaluation at a time, each
 * loading its action, template, customer and flow filter, rendering without the
 * compiled-template cache and sending on a connection of its own, the way the write-up's
 * pipeline worked before batching; kept as the benchmark's baseline
 * @param partitioning {@code local}: the action partitions of a run execute on threads of
 * the node that runs it; {@code remote}: they are sent as Spring Batch
 * StepExecutionRequests through a PostgreSQL-backed channel to every node with the worker
 * role
 * @param partitionTimeout remote partitioning: how long a manager waits for all
 * partitions of a run before it fails the run (a partition whose worker died ends sooner,
 * when the dead-node sweep fails it)
 * @param partitionPollInterval remote partitioning: how often a manager polls the
 * JobRepository for the partitions that ended
 * @param claimLease how long a step execution's claim on its evaluations lasts without
 * renewal; its node renews it every sixth of this while the step runs. A step whose lease
 * ran out (its node paused, died or lost the database for this long) claims, marks and
 * hands over nothing more, and its claimed rows are recovered
 * @param sendGrace how long after a lease ran out its SENDING rows are still left alone:
 * the longest a message handed over just before the expiry can take to reach the mail
 * server. Unset, it is the SMTP write and read timeouts plus five seconds; set, it must
 * be at least those timeouts
 */
@Validated
@ConfigurationProperties("flowbatch.execution")
public record ExecutionProperties(@DefaultValue("500") @Min(1) int chunkSize, @DefaultValue("4") @Min(1) int threads,
        @DefaultValue("5000") @Min(1) int bufferPageSize, @DefaultValue("PT2M") Duration reconcileAfter,
        @DefaultValue("PT15M") Duration staleAfter, Boolean recoverAllAtStart, @DefaultValue("batched") Mode mode,
        @DefaultValue("local") Partitioning partitioning,
        @DefaultValue("PT1H") @DurationMin(millis = 1) Duration partitionTimeout,
        @DefaultValue("PT1S") @DurationMin(millis = 1) Duration partitionPollInterval,
        @DefaultValue("PT30S") @DurationMin(seconds = 1) Duration claimLease,
        @DurationMin(seconds = 0) Duration sendGrace) {

    /** How evaluations are executed. */
    public enum Mode {

        /**
         * Chunks of evaluations, bulk queries, compiled templates, pooled connections.
         */
        BATCHED,
        /** One evaluation at a time, as before batching: the benchmark's baseline. */
        PER_ITEM

    }

    /** Where the action partitions of a run execute. */
    public enum Partitioning {

        /** On threads of the node that runs the run. */
        LOCAL,
        /** On every node with the worker role, through a PostgreSQL-backed channel. */
        REMOTE

    }

    /**
     * The setting's value that switches remote partitioning on, as a condition reads it.
     */
    public static final String REMOTE = "remote";

    public boolean remote() {
        return partitioning == Partitioning.REMOTE;
    }

    /**
     * Whether every execution marked running is dead at start: only when this is the only
     * node.
     */
    public boolean effectiveRecoverAllAtStart() {
        return (recoverAllAtStart != null) ? recoverAllAtStart : !remote();
    }

    public boolean perItem() {
        return mode == Mode.PER_ITEM;
    }

    /** Evaluations per chunk: one at a time in per-item mode. */
    public int effectiveChunkSize() {
        return perItem() ? 1 : chunkSize;
    }

}
