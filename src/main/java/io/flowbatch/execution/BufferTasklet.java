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
 * manual actions wait; of an action with a send window, those outside it wait for its
 * next opening.
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
        long deferred = 0;
        for (EvaluationStore.DueAction action : store.dueActions(now)) {
            boolean live = "LIVE".equals(action.status());
            int pageRows;
            do {
                // Each page commits before its ids go to Redis: a reader can never pop an
                // id whose row is not BUFFERED yet. A crash in between leaves BUFFERED
                // rows the reconciler re-pushes.
                if (!live) {
                    pageRows = store.skipDraftPage(action.id(), now, pageSize, DRAFT_REASON).size();
                    skipped += pageRows;
                    continue;
                }
                List<Long> page;
                if (action.sendWindow() == null) {
                    page = store.bufferPage(action.id(), now, pageSize);
                    pageRows = page.size();
                }
                else {
                    // Those outside their window wait in PostgreSQL for its opening, not
                    // in Redis.
                    EvaluationStore.WindowedPage windowed = store.bufferWindowedPage(action.id(), action.sendWindow(),
                            now, pageSize);
                    page = windowed.buffered();
                    pageRows = windowed.size();
                    deferred += windowed.deferred();
                }
                buckets.push(action.id(), page);
                buffered += page.size();
            }
            while (pageRows == pageSize);
        }
        contribution.incrementWriteCount(buffered);
        contribution.incrementFilterCount(skipped);
        contribution.getStepExecution().getExecutionContext().putLong("buffered", buffered);
        contribution.getStepExecution().getExecutionContext().putLong("skippedDraft", skipped);
        contribution.getStepExecution().getExecutionContext().putLong("deferredBySendWindow", deferred);
        return RepeatStatus.FINISHED;
    }

}
