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
 * @param recoverAllAtStart at start, take every execution still marked running as dead: true for
 *     one instance; with several instances sharing the database set it to false, so a starting
 *     instance only recovers executions that are stale
 * @param mode {@code batched}, or {@code per-item}: one evaluation at a time, each loading its
 *     action, template, customer and flow filter, rendering without the compiled-template cache
 *     and sending on a connection of its own, the way the write-up's pipeline worked before
 *     batching; kept as the benchmark's baseline
 */
@ConfigurationProperties("flowbatch.execution")
public record ExecutionProperties(@DefaultValue("500") int chunkSize, @DefaultValue("4") int threads,
        @DefaultValue("5000") int bufferPageSize, @DefaultValue("PT2M") Duration reconcileAfter,
        @DefaultValue("PT15M") Duration staleAfter, @DefaultValue("true") boolean recoverAllAtStart,
        @DefaultValue("batched") String mode) {

    public static final String BATCHED = "batched";

    public static final String PER_ITEM = "per-item";

    public ExecutionProperties {
        if (chunkSize < 1 || threads < 1 || bufferPageSize < 1) {
            throw new IllegalArgumentException("flowbatch.execution sizes must be at least 1");
        }
        if (!BATCHED.equals(mode) && !PER_ITEM.equals(mode)) {
            throw new IllegalArgumentException("flowbatch.execution.mode must be batched or per-item, not " + mode);
        }
    }

    public boolean perItem() {
        return PER_ITEM.equals(mode);
    }

    /** Evaluations per chunk: one at a time in per-item mode. */
    public int effectiveChunkSize() {
        return perItem() ? 1 : chunkSize;
    }

}
