package io.flowbatch.execution;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import io.flowbatch.evaluation.ClaimedEvaluation;
import io.flowbatch.evaluation.EvaluationStore;

import org.springframework.batch.infrastructure.item.ItemReader;

/**
 * Reads one action's bucket: pops a page of ids from Redis and claims them in PostgreSQL
 * (BUFFERED to PROCESSING, recording the step execution) in one statement per page. Ids
 * whose row is no longer BUFFERED, left in Redis by a crash or a re-push, are dropped by
 * the claim. A step whose claim lease ended stops at its next read, before it pops
 * anything: the ids stay in the bucket for the step that runs next.
 */
class EvaluationReader implements ItemReader<ClaimedEvaluation> {

    private final long actionId;

    private final long stepExecutionId;

    private final int pageSize;

    private final Buckets buckets;

    private final EvaluationStore store;

    private final ClaimLease lease;

    private final Deque<ClaimedEvaluation> page = new ArrayDeque<>();

    EvaluationReader(long actionId, long stepExecutionId, int pageSize, Buckets buckets, EvaluationStore store,
            ClaimLease lease) {
        this.actionId = actionId;
        this.stepExecutionId = stepExecutionId;
        this.pageSize = pageSize;
        this.buckets = buckets;
        this.store = store;
        this.lease = lease;
    }

    @Override
    public ClaimedEvaluation read() {
        if (!lease.granted()) {
            throw new ClaimLostException(stepExecutionId);
        }
        while (page.isEmpty()) {
            List<Long> ids = buckets.pop(actionId, pageSize);
            if (ids.isEmpty()) {
                return null;
            }
            List<ClaimedEvaluation> claimed = store.claim(actionId, stepExecutionId, ids);
            // Short: stale Redis entries, or the database no longer holds the lease (then
            // none is
            // claimed, and the ids go back for the step that runs next).
            if (claimed.size() < ids.size() && !store.leaseHeld(stepExecutionId)) {
                buckets.push(actionId, ids);
                throw new ClaimLostException(stepExecutionId);
            }
            page.addAll(claimed);
        }
        return page.poll();
    }

}
