package io.flowbatch.execution;

import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.flowbatch.evaluation.EvaluationCounts;
import io.flowbatch.evaluation.EvaluationStore;
import io.flowbatch.evaluation.FlowClosures;
import io.flowbatch.evaluation.StepRouting;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.dao.DataAccessException;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step 1: moves due WAITING evaluations of live actions to BUFFERED, a page per
 * statement, oldest first, and pushes each page's ids into the action's Redis bucket in
 * one round trip. Evaluations of draft actions are skipped with the reason; of paused and
 * manual actions wait; of an action with a send window, those outside it wait for its
 * next opening. Before any of that, the steps that send nothing (delays, splits, random
 * splits) are routed in bulk, which may make further steps due now. First of all, the
 * evaluation counters are folded and pending evaluations a race left at an archived flow
 * or a removed step are cancelled: once a run, whether or not anything is due.
 */
class BufferTasklet implements Tasklet {

    static final String DRAFT_REASON = "action is a draft";

    private static final Log logger = LogFactory.getLog(BufferTasklet.class);

    /**
     * Routing a step can make the next one due at once (a split after a delay, a split
     * after a split): the job routes again until nothing is left to route, up to this
     * many times, so a customer crosses a graph's steps that send nothing within one run.
     * A cycle always passes through a delay (flows are checked for it), so the passes end
     * well before this.
     */
    static final int MAX_ROUTING_PASSES = 25;

    private final EvaluationStore store;

    private final StepRouting routing;

    private final EvaluationCounts counts;

    private final FlowClosures closures;

    private final Buckets buckets;

    private final int pageSize;

    private final Clock clock;

    BufferTasklet(EvaluationStore store, StepRouting routing, EvaluationCounts counts, FlowClosures closures,
            Buckets buckets, int pageSize, Clock clock) {
        this.store = store;
        this.routing = routing;
        this.counts = counts;
        this.closures = closures;
        this.buckets = buckets;
        this.pageSize = pageSize;
        this.clock = clock;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        counts.fold();
        long cancelled = closures.cancelStranded();
        Instant now = clock.instant();
        long buffered = 0;
        long skipped = 0;
        long deferred = 0;
        long routed = 0;
        List<EvaluationStore.DueAction> due = store.dueActions(now);
        // Steps whose routing failed in this run are not tried again until the next.
        Set<Long> failedSteps = new HashSet<>();
        for (int pass = 0; pass < MAX_ROUTING_PASSES
                && due.stream().anyMatch((step) -> step.routed() && !failedSteps.contains(step.id())); pass++) {
            for (EvaluationStore.DueAction step : due) {
                if (step.routed() && !failedSteps.contains(step.id())) {
                    routed += route(step, now, failedSteps);
                }
            }
            due = store.dueActions(now);
        }
        for (EvaluationStore.DueAction action : due) {
            if (action.routed()) {
                continue;
            }
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
        contribution.getStepExecution().getExecutionContext().putLong("routed", routed);
        contribution.getStepExecution().getExecutionContext().putLong("cancelledStranded", cancelled);
        return RepeatStatus.FINISHED;
    }

    /**
     * Every due evaluation of a step that sends nothing, a page per statement. A step
     * whose statement fails is left for the next run and the others go on: one bad step
     * must not hold every flow's email.
     */
    private long route(EvaluationStore.DueAction step, Instant now, Set<Long> failedSteps) {
        long routed = 0;
        StepRouting.Routed page;
        try {
            do {
                page = routing.routePage(step, now, pageSize);
                routed += page.routed();
            }
            while (page.routed() == pageSize);
        }
        catch (DataAccessException ex) {
            logger.error("Step (action " + step.id() + ") could not be routed in this run; its evaluations wait: "
                    + ex.getMostSpecificCause().getMessage());
            failedSteps.add(step.id());
        }
        return routed;
    }

}
