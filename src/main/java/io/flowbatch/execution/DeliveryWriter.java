package io.flowbatch.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.delivery.MarketingSends;
import io.flowbatch.delivery.MessagesRefused;
import io.flowbatch.delivery.RelayLimiter;
import io.flowbatch.delivery.Relays;
import io.flowbatch.delivery.SendLedger;
import io.flowbatch.delivery.SendTally;
import io.flowbatch.delivery.SendResult;
import io.flowbatch.evaluation.EvaluationStore;
import io.flowbatch.webhook.WebhookSender;
import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.evaluation.Outcome;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

/**
 * Sends a chunk and records every item's outcome. A window of messages per connection
 * becomes SENDING (committed) just before it leaves, and the window's sent, refused and
 * in-doubt messages are recorded with the next window's mark, so a crash leaves in doubt
 * only what was on the wire ({@code flowbatch.delivery.in-flight-window} per connection).
 * Only messages that failed transiently are retried, with back-off; then the rest of the
 * chunk's outcomes, the processor's skips included, are written in one statement.
 *
 * <p>
 * It never throws for a failed item, so Spring Batch never re-runs a chunk's sends.
 * Messages that certainly did not go out because the mail server could not be reached go
 * back to the buffer; when that is the whole chunk, the step fails, to be restarted.
 *
 * <p>
 * SENDING is marked only while the step holds its claim lease (in the marking statement),
 * and each message is handed over only while the lease is still valid here: a step taken
 * for dead mid-chunk hands nothing more over; what it withheld goes back to the buffer.
 */
class DeliveryWriter implements ItemWriter<Delivery> {

    private static final Log logger = LogFactory.getLog(DeliveryWriter.class);

    /**
     * When messages a relay's limits or throttling held back are due again: the next run.
     */
    static final Duration NEXT_RUN = Duration.ofMinutes(1);

    private final long actionId;

    private final long stepExecutionId;

    private final EvaluationStore store;

    private final Buckets buckets;

    private final Relays relays;

    private final ChunkOutcomes chunkOutcomes;

    private final DeliveryProperties delivery;

    private final Clock clock;

    private final JobMetrics metrics;

    private final ClaimLease lease;

    private final MarketingSends marketingSends;

    private final SendTally tally;

    private final WebhookCalls webhooks;

    DeliveryWriter(long actionId, long stepExecutionId, EvaluationStore store, Buckets buckets, Relays relays,
            ChunkOutcomes chunkOutcomes, DeliveryProperties delivery, Clock clock, JobMetrics metrics, ClaimLease lease,
            MarketingSends marketingSends, SendTally tally, WebhookSender webhookSender) {
        this.webhooks = new WebhookCalls(stepExecutionId, store, webhookSender, lease, delivery, clock);
        this.marketingSends = marketingSends;
        this.tally = tally;
        this.actionId = actionId;
        this.stepExecutionId = stepExecutionId;
        this.store = store;
        this.buckets = buckets;
        this.relays = relays;
        this.chunkOutcomes = chunkOutcomes;
        this.delivery = delivery;
        this.clock = clock;
        this.metrics = metrics;
        this.lease = lease;
    }

    @Override
    public void write(Chunk<? extends Delivery> chunk) throws InterruptedException {
        List<Outcome> outcomes = chunkOutcomes.drain();
        Map<Long, Long> reserved = chunkOutcomes.drainReserved();
        List<Outcome> reported = new ArrayList<>(outcomes);
        Relays.Relay relay = null;
        List<MessagesRefused.Refused> refused = new ArrayList<>();
        if (!chunk.isEmpty() && chunkOutcomes.webhook() != null) {
            WebhookCalls.Called called = webhooks.call(chunkOutcomes.webhook(), chunk.getItems());
            reported.addAll(called.outcomes());
            called.outcomes()
                .stream()
                .filter((outcome) -> !called.recorded().contains(outcome.evaluationId()))
                .forEach(outcomes::add);
        }
        else if (!chunk.isEmpty()) {
            relay = relays.relay(chunkOutcomes.relay());
            InFlight inFlight = new InFlight(relay.limiter());
            List<Outcome> sent;
            try {
                sent = send(relay, chunk.getItems(), inFlight, reserved, refused);
            }
            catch (MailServerUnavailableException ex) {
                // Nothing went out.
                giveBack(reserved);
                throw ex;
            }
            reported.addAll(sent);
            sent.stream().filter((outcome) -> !inFlight.recorded(outcome.evaluationId())).forEach(outcomes::add);
        }
        store.recordOutcomes(stepExecutionId, outcomes, clock.instant());
        if (relay != null) {
            // For the reputation guard; never fails the chunk.
            tally.chunk(actionId, relay.name(),
                    (int) reported.stream().filter((outcome) -> outcome.state() == EvaluationState.SENT).count(),
                    refused);
        }
        giveBack(reserved);
        metrics.outcomes(actionId, reported);
        metrics.chunk(actionId, chunkOutcomes.startNanos());
    }

    /**
     * Marketing reservations (smart sending, caps) of messages that did not go out
     * (skipped, failed, retried later, back in the buffer), given back so they block no
     * other email. Never fails the chunk, whose sends are recorded by now: a reservation
     * kept only holds that customer's other marketing email back for the window.
     */
    private void giveBack(Map<Long, Long> reserved) {
        try {
            marketingSends.release(reserved);
        }
        catch (RuntimeException ex) {
            logger.warn("Could not give back " + reserved.size() + " marketing reservations of action " + actionId
                    + ": " + ex.getMessage());
        }
    }

    /**
     * Sends the chunk; takes out of {@code reserved} every message that may have left
     * (accepted, or in doubt: resent later under at-least-once, but possibly delivered),
     * whose smart-sending reservation must stand; adds to {@code refused} every message
     * the relay refused for good.
     */
    private List<Outcome> send(Relays.Relay relay, List<? extends Delivery> deliveries, InFlight inFlight,
            Map<Long, Long> reserved, List<MessagesRefused.Refused> refused) throws InterruptedException {
        // One message per id, whatever the chunk holds: an id the chunk carries twice (a
        // row recovered and claimed again) is sent once at most.
        Map<Long, Delivery> byId = new LinkedHashMap<>();
        deliveries.forEach((item) -> byId.putIfAbsent(item.evaluation().id(), item));
        List<Delivery> pending = new ArrayList<>(byId.values());
        // The relay's rolling quotas, for every instance together: what they do not allow
        // now waits for the next run, never failing for it.
        List<Outcome> heldBack = new ArrayList<>();
        RelayLimiter.QuotaTaken quota;
        String heldBackReason = "deferred: relay '" + relay.name() + "' reached its quota; waits for the next run";
        try {
            quota = relay.limiter().takeQuota(pending.size());
        }
        catch (RuntimeException ex) {
            // The quotas cannot be asked (Redis out of reach): nothing leaves uncounted.
            quota = new RelayLimiter.QuotaTaken(0, -1);
            heldBackReason = "deferred: relay '" + relay.name() + "': its quota could not be read (" + ex.getMessage()
                    + "); waits for the next run";
        }
        int allowed = quota.granted();
        Instant nextRun = clock.instant().plus(NEXT_RUN);
        for (Delivery item : pending.subList(allowed, pending.size())) {
            heldBack.add(Outcome.deferred(item.evaluation().id(), heldBackReason, nextRun));
        }
        pending = new ArrayList<>(pending.subList(0, allowed));
        Map<Delivery, SendResult> results = new LinkedHashMap<>();
        Duration backoff = delivery.sendBackoff();
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            List<SendResult> sent = relay.sender()
                .send(pending.stream().map(Delivery::message).toList(), lease, inFlight.over(pending));
            List<Delivery> retry = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                results.put(pending.get(i), sent.get(i));
                // A throttled relay is not asked again within the chunk.
                if (sent.get(i).kind() == SendResult.Kind.TRANSIENT && !sent.get(i).throttled()
                        && attempt < delivery.sendAttempts()) {
                    retry.add(pending.get(i));
                }
            }
            pending = retry;
            if (!pending.isEmpty()) {
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2);
            }
        }
        // Certainly not sent: withheld (the lease ended mid-chunk) or the relay could not
        // be reached. Back to the buffer while the rows are still this step's, without
        // using up an attempt; recorded on their own, since the chunk's transaction may
        // not commit.
        String unreachable = results.values()
            .stream()
            .filter(SendResult::unreachable)
            .map(SendResult::reply)
            .findFirst()
            .orElse(null);
        if (results.values().stream().anyMatch(SendResult::throttled)) {
            relay.limiter().throttled();
        }
        else if (results.values().stream().anyMatch(SendResult::isSent)) {
            relay.limiter().accepted();
        }
        // Withheld for the relay's rate: waits for the next run, not in the buffer, so
        // that this run's partitions do not pop it again and again.
        Instant now = clock.instant();
        results.entrySet().removeIf((entry) -> {
            if (!inFlight.rateWithheld(entry.getKey().evaluation().id())
                    || entry.getValue().kind() != SendResult.Kind.WITHHELD) {
                return false;
            }
            heldBack.add(Outcome.deferred(entry.getKey().evaluation().id(), "deferred: relay '" + relay.name()
                    + "' at its rate of " + relay.limiter().rate() + "/s; waits for the next run", now.plus(NEXT_RUN)));
            return true;
        });
        List<Long> notSent = results.entrySet()
            .stream()
            .filter((entry) -> entry.getValue().neverHandedOver())
            .map((entry) -> entry.getKey().evaluation().id())
            .toList();
        giveBackQuota(relay, quota, allowed - (int) results.values().stream().filter(this::reachedRelay).count());
        results.forEach((item, result) -> {
            if (result.kind() == SendResult.Kind.SENT || result.kind() == SendResult.Kind.UNKNOWN) {
                reserved.remove(item.evaluation().id());
            }
            else if (result.kind() == SendResult.Kind.PERMANENT) {
                refused.add(new MessagesRefused.Refused(item.evaluation().id(), item.recipient(), result.reply()));
            }
        });
        if (!notSent.isEmpty()) {
            buckets.push(actionId, store.returnToBuffer(notSent, stepExecutionId));
            results.values().removeIf(SendResult::neverHandedOver);
        }
        if (results.isEmpty() && heldBack.isEmpty() && unreachable != null) {
            // Nothing of the chunk got through: the step fails, to be restarted.
            throw new MailServerUnavailableException(
                    "The mail server could not be reached for any of " + notSent.size() + " messages: " + unreachable);
        }
        List<Outcome> outcomes = new ArrayList<>(heldBack);
        results.forEach((item, result) -> outcomes.add(outcome(item, result, now)));
        return outcomes;
    }

    /**
     * The chunk's reservations and early records. Each connection, before its next
     * window, records what it settled (sent, refused for good, in doubt) and marks the
     * window SENDING in one statement; transient failures wait for the chunk's end, where
     * they may be retried. Calls are taken one at a time, so a partition needs no more
     * database connections than before.
     */
    private final class InFlight {

        private final Set<Long> marked = new HashSet<>();

        private final Set<Long> recorded = new HashSet<>();

        private final Set<Long> rateWithheld = new HashSet<>();

        private final RelayLimiter limiter;

        /** Once the relay's rate refused a window, the chunk's later windows wait too. */
        private volatile boolean rateReached;

        InFlight(RelayLimiter limiter) {
            this.limiter = limiter;
        }

        SendLedger over(List<Delivery> items) {
            return (settled, next) -> advance(items, settled, rateAllows(items, next) ? next : withheld(items, next));
        }

        /**
         * Waits, outside the lock so that other connections go on recording, for the
         * relay's rate to allow the window. Bucket4j queues the waits in order, so every
         * partition of every node keeps sending at the relay's rate while the demand
         * queued ahead of a window is less than the relay's {@code max-wait}; the node
         * renews the claim lease while the thread waits.
         */
        private boolean rateAllows(List<Delivery> items, List<Integer> next) {
            long fresh = next.stream().filter((index) -> !isMarked(items.get(index).evaluation().id())).count();
            if (rateReached) {
                return fresh == 0;
            }
            try {
                rateReached = !limiter.acquire((int) fresh);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                rateReached = true;
            }
            catch (RuntimeException ex) {
                // The limiter's Redis is out of reach: nothing more leaves until it is
                // back.
                logger.warn("Could not ask relay limits: " + ex.getMessage());
                rateReached = true;
            }
            return !rateReached;
        }

        private synchronized List<Integer> withheld(List<Delivery> items, List<Integer> next) {
            next.forEach((index) -> rateWithheld.add(items.get(index).evaluation().id()));
            return List.of();
        }

        private synchronized boolean isMarked(long evaluationId) {
            return marked.contains(evaluationId);
        }

        synchronized boolean rateWithheld(long evaluationId) {
            return rateWithheld.contains(evaluationId);
        }

        private synchronized Set<Integer> advance(List<Delivery> items, Map<Integer, SendResult> settled,
                List<Integer> next) {
            Instant now = clock.instant();
            List<Outcome> outcomes = new ArrayList<>();
            settled.forEach((index, result) -> {
                if (result.kind() == SendResult.Kind.SENT || result.kind() == SendResult.Kind.PERMANENT
                        || result.kind() == SendResult.Kind.UNKNOWN) {
                    outcomes.add(outcome(items.get(index), result, now));
                }
            });
            List<Long> toMark = next.stream()
                .map((index) -> items.get(index).evaluation().id())
                .filter((id) -> !marked.contains(id))
                .toList();
            if (!outcomes.isEmpty() || !toMark.isEmpty()) {
                marked.addAll(store.recordAndMarkSending(stepExecutionId, outcomes, toMark, now));
                outcomes.forEach((outcome) -> recorded.add(outcome.evaluationId()));
            }
            Set<Integer> reserved = new HashSet<>();
            for (int index : next) {
                if (marked.contains(items.get(index).evaluation().id())) {
                    reserved.add(index);
                }
            }
            return reserved;
        }

        synchronized boolean recorded(long evaluationId) {
            return recorded.contains(evaluationId);
        }

    }

    /** The relay saw it: it counts against the relay's quota. */
    private boolean reachedRelay(SendResult result) {
        return !result.neverHandedOver() && !result.throttled();
    }

    /**
     * Quota taken for messages that did not reach the relay goes back; never fails the
     * chunk: quota kept only holds later mail back.
     */
    private void giveBackQuota(Relays.Relay relay, RelayLimiter.QuotaTaken quota, int unused) {
        try {
            relay.limiter().giveBack(quota, unused);
        }
        catch (RuntimeException ex) {
            logger.warn("Could not give back " + unused + " of relay " + relay.name() + "'s quota: " + ex.getMessage());
        }
    }

    /**
     * A throttling reply is the relay's limit, not the message's failure: it waits for
     * the next run without using up an attempt.
     */
    private Outcome transientOutcome(Delivery item, SendResult result, Instant now) {
        long id = item.evaluation().id();
        if (result.throttled()) {
            return Outcome.deferred(id, "deferred: the relay throttles: " + result.reply(), now.plus(NEXT_RUN));
        }
        if (item.evaluation().attempts() + 1 >= delivery.maxAttempts()) {
            return Outcome.failed(id, "gave up after " + delivery.maxAttempts() + " attempts: " + result.reply());
        }
        return Outcome.retryLater(id, "will retry: " + result.reply(), now.plus(delivery.retryDelay()));
    }

    private Outcome outcome(Delivery item, SendResult result, Instant now) {
        long id = item.evaluation().id();
        return switch (result.kind()) {
            case SENT ->
                Outcome.sent(id, new Outcome.DeliveryRecord(item.messageId(), item.recipient(), now, result.reply()));
            case PERMANENT -> Outcome.failed(id, "refused by the mail server: " + result.reply());
            case TRANSIENT -> transientOutcome(item, result, now);
            case WITHHELD -> throw new IllegalStateException("withheld messages are returned to the buffer");
            case UNKNOWN -> delivery.atLeastOnce()
                    ? Outcome.retryLater(id, "resending with the same Message-ID: " + result.reply(), now)
                    : Outcome.inDoubt(id, "may or may not have been sent: " + result.reply());
        };
    }

}
