package io.flowbatch.deliverability;

import java.time.Instant;
import java.util.List;

import io.flowbatch.delivery.RelayProperties;
import io.flowbatch.delivery.Relays;
import io.flowbatch.delivery.SendTally;
import io.flowbatch.flow.ActionPauses;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.ActionStatusRequest;
import io.flowbatch.flow.FlowService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Service;

/**
 * The reputation guard's view, for operators: each action's and relay's hard-bounce and
 * complaint rates over its latest sends, measured as the guard measures them, and the
 * actions the guard paused. Publishes each relay's rates as gauges.
 */
@Service
public class Reputation {

    static final String HARD_BOUNCE_RATE = "flowbatch.relay.hard.bounce.rate";

    static final String COMPLAINT_RATE = "flowbatch.relay.complaint.rate";

    private final SendTally tally;

    private final ActionPauses pauses;

    private final ReputationGuard guard;

    private final DeliverabilityProperties properties;

    private final FlowService flows;

    Reputation(SendTally tally, ActionPauses pauses, ReputationGuard guard, DeliverabilityProperties properties,
            FlowService flows, Relays relays, MeterRegistry registry) {
        this.flows = flows;
        this.tally = tally;
        this.pauses = pauses;
        this.guard = guard;
        this.properties = properties;
        for (String relay : relays.names()) {
            Gauge.builder(HARD_BOUNCE_RATE, () -> ofRelay(relay).hardBounceRate())
                .description("Hard bounces per send over the relay's latest guard-window sends")
                .tag("relay", relay)
                .register(registry);
            Gauge.builder(COMPLAINT_RATE, () -> ofRelay(relay).complaintRate())
                .description("Complaints per send over the relay's latest guard-window sends")
                .tag("relay", relay)
                .register(registry);
        }
    }

    /**
     * Rates over a window of sends, and what the guard makes of them.
     *
     * @param judged whether the window holds enough sends for the guard to judge it
     * @param breach the limit the rates are above, or null
     */
    public record Standing(long sent, long hardBounces, long complaints, double hardBounceRate, double complaintRate,
            boolean judged, String breach) {

        static Standing of(ReputationGuard.Judgement judgement, int minSends) {
            SendTally.Rates rates = judgement.rates();
            return new Standing(rates.sent(), rates.hardBounces(), rates.complaints(), rates.hardBounceRate(),
                    rates.complaintRate(), rates.sent() >= minSends, judgement.breach());
        }

    }

    /** An action the guard paused, and why. */
    public record Paused(long actionId, String flow, String reason) {
    }

    /** The action's window, from where the guard counts it (since its last resume). */
    public Standing ofAction(long actionId) {
        Instant since = pauses.guarded(actionId).map(ActionPauses.Guarded::since).orElse(null);
        SendTally.Rates rates = tally.ofAction(actionId, (since != null) ? since : Instant.EPOCH,
                properties.guardWindow());
        return Standing.of(guard.judge("the action's", rates), properties.guardMinSends());
    }

    public Standing ofRelay(String relay) {
        String name = (relay != null) ? relay : RelayProperties.DEFAULT;
        SendTally.Rates rates = tally.ofRelay(name, Instant.EPOCH, properties.guardWindow());
        return Standing.of(guard.judge("relay " + name + "'s", rates), properties.guardMinSends());
    }

    public List<Paused> pausedByTheGuard() {
        return pauses.pausedWithReason()
            .stream()
            .filter((paused) -> paused.reason().startsWith(ReputationGuard.REASON))
            .map((paused) -> new Paused(paused.actionId(), paused.flow(), paused.reason()))
            .toList();
    }

    /**
     * An operator sets a paused action live again; the guard's window starts afresh.
     * False when no such action exists.
     */
    public boolean resume(long actionId) {
        if (pauses.guarded(actionId).isEmpty()) {
            return false;
        }
        flows.changeActionStatus(actionId, new ActionStatusRequest(ActionStatus.LIVE));
        return true;
    }

    /** The limits the guard holds actions to. */
    public DeliverabilityProperties limits() {
        return properties;
    }

}
