package io.flowbatch.execution;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import io.flowbatch.evaluation.EvaluationStore;

import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step 1: moves due WAITING evaluations of live actions to BUFFERED, a page per
 * statement, oldest first, and pushes each page's ids into the action's Redis bucket in
 * one round trip. Evaluations of draft actions are skipped with the reason; of paused and
 * manual actions wait.
 */
class BufferTasklet implements Tasklet {

    static final String DRAFT_REASON = "action is a draft";

    private final EvaluationStore store;

    private final Buckets buckets;

    private final int pageSize;

    private final Clock clock;

    BufferTasklet(EvaluationStore store, Buckets buckets, int pageSize, Clock clock) {
        this.store = store;
        this.buckets = buckets;
        this.pageSize = pageSize;
        this.clock = clock;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        Instant now = clock.instant();
        long buffered = 0;
        long skipped = 0;
        for (EvaluationStore.DueAction action : store.dueActions(now)) {
            boolean live = "LIVE".equals(action.status());
            List<Long> page;
            do {
                // Each page commits before its ids go to Redis: a reader can never pop an
                // id whose
                // row is not BUFFERED yet. A crash in between leaves BUFFERED rows the
                // reconciler re-pushes.
                page = live ? store.bufferPage(action.id(), now, pageSize)
                        : store.skipDraftPage(action.id(), now, pageSize, DRAFT_REASON);
                if (live) {
                    buckets.push(action.id(), page);
                    buffered += page.size();
                }
                else {
                    skipped += page.size();
                }
            }
            while (page.size() == pageSize);
        }
        contribution.incrementWriteCount(buffered);
        contribution.incrementFilterCount(skipped);
        contribution.getStepExecution().getExecutionContext().putLong("buffered", buffered);
        contribution.getStepExecution().getExecutionContext().putLong("skippedDraft", skipped);
        return RepeatStatus.FINISHED;
    }

}
