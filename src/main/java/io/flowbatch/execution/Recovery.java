package io.flowbatch.execution;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.evaluation.EvaluationStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;

/**
 * Puts work left behind by crashes and by Redis losses back on track. Runs when the
 * application starts and before every job run:
 * <ul>
 * <li>executions that ended UNKNOWN (the JobRepository was unreachable when a failure
 * ended them) are marked FAILED, so they can be restarted;</li>
 * <li>executions silent for {@code flowbatch.execution.stale-after} (their process died)
 * are marked FAILED;</li>
 * <li>PROCESSING rows of step executions whose claim lease ended go back to
 * BUFFERED;</li>
 * <li>SENDING rows of step executions whose claim lease ended more than the send grace
 * ago become IN_DOUBT (at-most-once), or BUFFERED to be resent with the same Message-ID
 * (at-least-once). A step execution marked FAILED whose node still renews its lease keeps
 * its rows: its thread may still be sending them;</li>
 * <li>BUFFERED rows untouched for two schedule periods are pushed to their bucket
 * again.</li>
 * </ul>
 * Buckets are sets and claims are conditional, so pushing an id that is still there is
 * harmless.
 */
@Component
public class Recovery {

    static final String IN_DOUBT_REASON = "the process stopped while this message was being sent; "
            + "the mail server may or may not have accepted it";

    static final String RESEND_REASON = "the process stopped while this message was being sent; "
            + "resending with the same Message-ID (at-least-once)";

    private static final Log logger = LogFactory.getLog(Recovery.class);

    private static final int RECONCILE_PAGE = 10_000;

    private final EvaluationStore store;

    private final Buckets buckets;

    private final DeadExecutions deadExecutions;

    private final boolean resendInDoubt;

    private final Duration reconcileAfter;

    Recovery(EvaluationStore store, Buckets buckets, DeadExecutions deadExecutions, DeliveryProperties delivery,
            ExecutionProperties execution) {
        this.store = store;
        this.buckets = buckets;
        this.deadExecutions = deadExecutions;
        this.resendInDoubt = delivery.atLeastOnce();
        this.reconcileAfter = execution.reconcileAfter();
    }

    /** What one recovery pass did. */
    public record Report(long released, long settledSending, long repushed) {
    }

    public Report recover() {
        deadExecutions.settleUnknown();
        deadExecutions.recoverStale();
        Map<Long, List<Long>> released = store.releaseDeadProcessing();
        buckets.push(released);
        Map<Long, List<Long>> settled = store.settleDeadSending(resendInDoubt,
                resendInDoubt ? RESEND_REASON : IN_DOUBT_REASON);
        if (resendInDoubt) {
            buckets.push(settled);
        }
        long repushed = 0;
        long after = 0;
        Map<Long, List<Long>> stale;
        do {
            stale = store.staleBufferedPage(reconcileAfter.toSeconds(), after, RECONCILE_PAGE);
            buckets.push(stale);
            repushed += count(stale);
            after = stale.values().stream().flatMap(List::stream).mapToLong(Long::longValue).max().orElse(after);
        }
        while (count(stale) == RECONCILE_PAGE);
        Report report = new Report(count(released), count(settled), repushed);
        if (report.released() + report.settledSending() + report.repushed() > 0) {
            logger.warn("Recovered work left behind: " + report.released() + " claimed evaluations back to BUFFERED, "
                    + report.settledSending() + " in-flight sends "
                    + (resendInDoubt ? "queued for resend" : "now IN_DOUBT") + ", " + report.repushed()
                    + " buffered ids pushed to Redis again");
        }
        return report;
    }

    private static long count(Map<Long, List<Long>> ids) {
        return ids.values().stream().mapToLong(List::size).sum();
    }

}
