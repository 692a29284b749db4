package io.flowbatch.deliverability;

import java.time.Instant;
import java.util.Locale;

import io.flowbatch.delivery.RelayProperties;
import io.flowbatch.delivery.SendTally;
import io.flowbatch.flow.ActionPauses;
import io.flowbatch.flow.ActionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;

/**
 * Pauses an action before it burns the sender's reputation: after each hard bounce or
 * complaint about one of its messages, the rates over the action's latest
 * {@code guard-window} sends, and over its relay's, are compared with
 * {@code max-hard-bounce-rate} and {@code max-complaint-rate}. Above either, a live
 * action is set PAUSED with the rate it saw; its evaluations wait, nothing is lost, and
 * an operator resumes it. A window with fewer than {@code guard-min-sends} sends is not
 * judged.
 */
@Component
public class ReputationGuard {

    static final String PAUSED = "flowbatch.guard.paused";

    /** How the reason of every pause the guard makes starts. */
    static final String REASON = "paused by the reputation guard: ";

    private static final Log logger = LogFactory.getLog(ReputationGuard.class);

    private final SendTally tally;

    private final ActionPauses pauses;

    private final DeliverabilityProperties properties;

    private final MeterRegistry registry;

    ReputationGuard(SendTally tally, ActionPauses pauses, DeliverabilityProperties properties, MeterRegistry registry) {
        this.tally = tally;
        this.pauses = pauses;
        this.properties = properties;
        this.registry = registry;
    }

    /** The guard's view of a window of sends. */
    public record Judgement(SendTally.Rates rates, String breach) {
    }

    /**
     * Counts a hard bounce or complaint about a message of the action, then judges it;
     * returns the reason it paused the action, or null.
     */
    String received(long actionId, BounceType type) {
        ActionPauses.Guarded action = pauses.guarded(actionId).orElse(null);
        if (action == null || type == BounceType.SOFT) {
            return null;
        }
        if (type == BounceType.HARD) {
            tally.hardBounce(actionId, action.relay());
        }
        else {
            tally.complaint(actionId, action.relay());
        }
        if (action.status() != ActionStatus.LIVE) {
            return null;
        }
        Instant since = action.windowStart();
        String breach = judge("the action's", tally.ofAction(actionId, since, properties.guardWindow())).breach();
        if (breach == null) {
            String relay = (action.relay() != null) ? action.relay() : RelayProperties.DEFAULT;
            // From the action's resume too: a relay judged on what came before would
            // pause a
            // resumed action again at its first complaint, before it could send anything.
            breach = judge("relay " + relay + "'s", tally.ofRelay(relay, since, properties.guardWindow())).breach();
        }
        if (breach == null) {
            return null;
        }
        String reason = REASON + breach;
        if (!pauses.pause(actionId, reason)) {
            return null;
        }
        Counter.builder(PAUSED)
            .description("Actions the reputation guard paused")
            .tag("action", Long.toString(actionId))
            .register(registry)
            .increment();
        logger.warn("Action " + actionId + " " + reason);
        return reason;
    }

    /** The window's rates and, when one is above its limit, which and by how much. */
    public Judgement judge(String whose, SendTally.Rates rates) {
        if (rates.sent() < properties.guardMinSends()) {
            return new Judgement(rates, null);
        }
        if (rates.complaintRate() > properties.maxComplaintRate()) {
            return new Judgement(rates, breach("complaint", rates.complaints(), rates, whose, rates.complaintRate(),
                    properties.maxComplaintRate()));
        }
        if (rates.hardBounceRate() > properties.maxHardBounceRate()) {
            return new Judgement(rates, breach("hard-bounce", rates.hardBounces(), rates, whose, rates.hardBounceRate(),
                    properties.maxHardBounceRate()));
        }
        return new Judgement(rates, null);
    }

    private static String breach(String what, long count, SendTally.Rates rates, String whose, double rate,
            double limit) {
        return String.format(Locale.ROOT, "%s rate %s (%d of %s latest %d sends) is above %s", what, percent(rate),
                count, whose, rates.sent(), percent(limit));
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f %%", rate * 100);
    }

}
