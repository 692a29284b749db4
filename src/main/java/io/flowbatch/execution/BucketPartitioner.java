package io.flowbatch.execution;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * One partition per action with buffered work, and several for a deep bucket: the
 * partitions of one action pop from the same Redis set, whose pop is atomic, and claim
 * conditionally, so no evaluation is taken twice however many share it. Each action gets
 * a share of the slots in proportion to its depth, at least one partition, and never more
 * partitions than it has chunks of work.
 */
class BucketPartitioner implements Partitioner {

    static final String ACTION_ID = "actionId";

    private final Buckets buckets;

    private final PartitionSlots slots;

    private final int chunkSize;

    BucketPartitioner(Buckets buckets, PartitionSlots slots, int chunkSize) {
        this.buckets = buckets;
        this.slots = slots;
        this.chunkSize = chunkSize;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<Long, Long> depths = buckets.depths();
        long total = depths.values().stream().mapToLong(Long::longValue).sum();
        int available = Math.max(1, slots.available());
        Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
        depths.forEach((actionId, depth) -> {
            int parts = parts(depth, total, available, chunkSize);
            for (int part = 1; part <= parts; part++) {
                ExecutionContext context = new ExecutionContext();
                context.putLong(ACTION_ID, actionId);
                partitions.put(Partitions.partitionName(actionId, part), context);
            }
        });
        return partitions;
    }

    /**
     * An action's partitions: its share of the slots, at least one, at most one per chunk
     * of work.
     */
    static int parts(long depth, long total, int slots, int chunkSize) {
        long share = Math.round((double) slots * depth / Math.max(total, 1));
        long chunks = (depth + chunkSize - 1) / chunkSize;
        return (int) Math.max(1, Math.min(slots, Math.min(share, chunks)));
    }

}
