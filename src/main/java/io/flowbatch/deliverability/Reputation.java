package io.flowbatch.deliverability;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.flowbatch.delivery.RelayProperties;
import io.flowbatch.delivery.Relays;
import io.flowbatch.delivery.SendTally;
import io.flowbatch.flow.ActionPauses;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.ActionStatusRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.system.ConflictException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Service;

/**
 * The reputation guard's view, for operators: each action's and relay's hard-bounce and
 * complaint rates over its latest sends, and the actions the guard paused. An action's
 * window starts at its last resume, as the guard counts it; a relay's is its latest sends
 * whatever their action (the guard, judging an action that was resumed, counts only the
 * relay's sends since that resume). Publishes each relay's rates as gauges.
 */
@Service
public class Reputation {

    static final String HARD_BOUNCE_RATE = "flowbatch.relay.hard.bounce.rate";

    static final String COMPLAINT_RATE = "flowbatch.relay.complaint.rate";

    static final Duration SCRAPE_CACHE = Duration.ofSeconds(10);

    private final SendTally tally;

    private final ActionPauses pauses;

    private final ReputationGuard guard;

    private final DeliverabilityProperties properties;

    private final FlowService flows;

    private final Map<String, Scraped> scraped = new ConcurrentHashMap<>();

    Reputation(SendTally tally, ActionPauses pauses, ReputationGuard guard, DeliverabilityProperties properties,
            FlowService flows, Relays relays, MeterRegistry registry) {
        this.flows = flows;
        this.tally = tally;
        this.pauses = pauses;
        this.guard = guard;
        this.properties = properties;
        for (String relay : relays.names()) {
            Gauge.builder(HARD_BOUNCE_RATE, () -> scraped(relay).hardBounceRate())
                .description("Hard bounces per send over the relay's latest guard-window sends")
                .tag("relay", relay)
                .register(registry);
            Gauge.builder(COMPLAINT_RATE, () -> scraped(relay).complaintRate())
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
        Instant since = pauses.guarded(actionId).map(ActionPauses.Guarded::windowStart).orElse(Instant.EPOCH);
        return standing(tally.ofAction(actionId, since, properties.guardWindow()));
    }

    /** Every action's window, by action id, in two statements whatever their number. */
    public Map<Long, Standing> ofActions() {
        Map<Long, Instant> since = new HashMap<>();
        pauses.guardedAll().forEach((id, action) -> since.put(id, action.windowStart()));
        Map<Long, Standing> standings = new HashMap<>();
        tally.ofActions(since, properties.guardWindow()).forEach((id, rates) -> standings.put(id, standing(rates)));
        return standings;
    }

    private Standing standing(SendTally.Rates rates) {
        return Standing.of(guard.judge("the action's", rates), properties.guardMinSends());
    }

    /**
     * The relay's standing for the gauges, read at most every {@link #SCRAPE_CACHE}: a
     * scrape asks for both rates of every relay, and should not wait on the database each
     * time.
     */
    private Standing scraped(String relay) {
        long now = System.nanoTime();
        Scraped last = scraped.get(relay);
        if (last == null || now - last.at() > SCRAPE_CACHE.toNanos()) {
            last = new Scraped(now, ofRelay(relay));
            scraped.put(relay, last);
        }
        return last.standing();
    }

    private record Scraped(long at, Standing standing) {
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
     * False when no such action exists; an action that is not paused is a conflict.
     */
    public boolean resume(long actionId) {
        ActionPauses.Guarded action = pauses.guarded(actionId).orElse(null);
        if (action == null) {
            return false;
        }
        if (action.status() != ActionStatus.PAUSED) {
            throw new ConflictException("Action " + actionId + " is " + action.status() + ", not PAUSED: set its"
                    + " status with PUT /api/actions/" + actionId + "/status");
        }
        flows.changeActionStatus(actionId, new ActionStatusRequest(ActionStatus.LIVE));
        return true;
    }

    /** The limits the guard holds actions to. */
    public DeliverabilityProperties limits() {
        return properties;
    }

}
