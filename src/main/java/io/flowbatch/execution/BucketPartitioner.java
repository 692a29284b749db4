package io.flowbatch.execution;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** One partition per non-empty Redis bucket, that is per action with buffered work. */
class BucketPartitioner implements Partitioner {

    static final String ACTION_ID = "actionId";

    private final Buckets buckets;

    BucketPartitioner(Buckets buckets) {
        this.buckets = buckets;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
        for (long actionId : buckets.nonEmpty()) {
            ExecutionContext context = new ExecutionContext();
            context.putLong(ACTION_ID, actionId);
            partitions.put(Partitions.partitionName(actionId), context);
        }
        return partitions;
    }

}
