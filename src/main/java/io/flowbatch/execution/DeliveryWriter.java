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
import io.flowbatch.delivery.SendLedger;
import io.flowbatch.delivery.SendResult;
import io.flowbatch.delivery.MarketingSends;
import io.flowbatch.delivery.SmtpSender;
import io.flowbatch.evaluation.EvaluationStore;
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

    private final long actionId;

    private final long stepExecutionId;

    private final EvaluationStore store;

    private final Buckets buckets;

    private final SmtpSender sender;

    private final ChunkOutcomes chunkOutcomes;

    private final DeliveryProperties delivery;

    private final Clock clock;

    private final JobMetrics metrics;

    private final ClaimLease lease;

    private final MarketingSends marketingSends;

    DeliveryWriter(long actionId, long stepExecutionId, EvaluationStore store, Buckets buckets, SmtpSender sender,
            ChunkOutcomes chunkOutcomes, DeliveryProperties delivery, Clock clock, JobMetrics metrics, ClaimLease lease,
            MarketingSends marketingSends) {
        this.marketingSends = marketingSends;
        this.actionId = actionId;
        this.stepExecutionId = stepExecutionId;
        this.store = store;
        this.buckets = buckets;
        this.sender = sender;
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
        if (!chunk.isEmpty()) {
            InFlight inFlight = new InFlight();
            List<Outcome> sent;
            try {
                sent = send(chunk.getItems(), inFlight, reserved);
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
     * whose smart-sending reservation must stand.
     */
    private List<Outcome> send(List<? extends Delivery> deliveries, InFlight inFlight, Map<Long, Long> reserved)
            throws InterruptedException {
        // One message per id, whatever the chunk holds: an id the chunk carries twice (a
        // row recovered and claimed again) is sent once at most.
        Map<Long, Delivery> byId = new LinkedHashMap<>();
        deliveries.forEach((item) -> byId.putIfAbsent(item.evaluation().id(), item));
        List<Delivery> pending = new ArrayList<>(byId.values());
        Map<Delivery, SendResult> results = new LinkedHashMap<>();
        Duration backoff = delivery.sendBackoff();
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            List<SendResult> sent = sender.send(pending.stream().map(Delivery::message).toList(), lease,
                    inFlight.over(pending));
            List<Delivery> retry = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                results.put(pending.get(i), sent.get(i));
                if (sent.get(i).kind() == SendResult.Kind.TRANSIENT && attempt < delivery.sendAttempts()) {
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
        List<Long> notSent = results.entrySet()
            .stream()
            .filter((entry) -> entry.getValue().neverHandedOver())
            .map((entry) -> entry.getKey().evaluation().id())
            .toList();
        results.forEach((item, result) -> {
            if (result.kind() == SendResult.Kind.SENT || result.kind() == SendResult.Kind.UNKNOWN) {
                reserved.remove(item.evaluation().id());
            }
        });
        if (!notSent.isEmpty()) {
            buckets.push(actionId, store.returnToBuffer(notSent, stepExecutionId));
            results.values().removeIf(SendResult::neverHandedOver);
        }
        if (results.isEmpty() && unreachable != null) {
            // Nothing of the chunk got through: the step fails, to be restarted.
            throw new MailServerUnavailableException(
                    "The mail server could not be reached for any of " + notSent.size() + " messages: " + unreachable);
        }
        Instant now = clock.instant();
        List<Outcome> outcomes = new ArrayList<>(results.size());
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

        SendLedger over(List<Delivery> items) {
            return (settled, next) -> advance(items, settled, next);
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

    private Outcome outcome(Delivery item, SendResult result, Instant now) {
        long id = item.evaluation().id();
        return switch (result.kind()) {
            case SENT ->
                Outcome.sent(id, new Outcome.DeliveryRecord(item.messageId(), item.recipient(), now, result.reply()));
            case PERMANENT -> Outcome.failed(id, "refused by the mail server: " + result.reply());
            case TRANSIENT -> (item.evaluation().attempts() + 1 >= delivery.maxAttempts())
                    ? Outcome.failed(id, "gave up after " + delivery.maxAttempts() + " attempts: " + result.reply())
                    : Outcome.retryLater(id, "will retry: " + result.reply(), now.plus(delivery.retryDelay()));
            case WITHHELD -> throw new IllegalStateException("withheld messages are returned to the buffer");
            case UNKNOWN -> delivery.atLeastOnce()
                    ? Outcome.retryLater(id, "resending with the same Message-ID: " + result.reply(), now)
                    : Outcome.inDoubt(id, "may or may not have been sent: " + result.reply());
        };
    }

}
