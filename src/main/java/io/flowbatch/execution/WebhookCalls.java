package io.flowbatch.execution;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.evaluation.EvaluationStore;
import io.flowbatch.evaluation.Outcome;
import io.flowbatch.webhook.WebhookResult;
import io.flowbatch.webhook.WebhookSender;

/**
 * A webhook step's chunk: its calls marked SENDING (committed, and only while the step
 * holds its claim lease) a window at a time, made, and each one's outcome decided as an
 * email's is: 2xx sent, 408/429/5xx or no connection retried later (until the attempts
 * run out), any other reply failed, no reply in time in doubt (at most once) or retried
 * with the same {@code Idempotency-Key} (at least once). Calls the lease no longer covers
 * go back to the buffer unsent.
 */
final class WebhookCalls {

    private final long stepExecutionId;

    private final EvaluationStore store;

    private final WebhookSender sender;

    private final ClaimLease lease;

    private final DeliveryProperties delivery;

    private final Clock clock;

    WebhookCalls(long stepExecutionId, EvaluationStore store, WebhookSender sender, ClaimLease lease,
            DeliveryProperties delivery, Clock clock) {
        this.stepExecutionId = stepExecutionId;
        this.store = store;
        this.sender = sender;
        this.lease = lease;
        this.delivery = delivery;
        this.clock = clock;
    }

    /**
     * Makes the chunk's calls a window at a time: {@code concurrency} calls (the whole
     * chunk for an endpoint that takes batches, which is one request) are marked SENDING
     * in the statement that records the window before, so a crash leaves in doubt only
     * the window in flight. Returns every call's outcome and which of them are recorded
     * already; the chunk records the rest.
     */
    Called call(ChunkLoader.Webhook webhook, List<? extends Delivery> items) throws InterruptedException {
        Map<Long, Delivery> byId = new LinkedHashMap<>();
        items.forEach((item) -> byId.putIfAbsent(item.evaluation().id(), item));
        List<Long> ids = new ArrayList<>(byId.keySet());
        int window = webhook.batch() ? ids.size() : sender.concurrency();
        URI url = URI.create(webhook.url());
        List<Outcome> outcomes = new ArrayList<>();
        Set<Long> recorded = new HashSet<>();
        List<Outcome> settled = List.of();
        for (int from = 0; from < ids.size(); from += window) {
            List<Long> next = ids.subList(from, Math.min(from + window, ids.size()));
            Set<Long> marked = Set.of();
            if (lease.granted()) {
                marked = store.recordAndMarkSending(stepExecutionId, settled, next, clock.instant());
                settled.forEach((outcome) -> recorded.add(outcome.evaluationId()));
            }
            Set<Long> sending = marked;
            List<Long> unmarked = next.stream().filter((id) -> !sending.contains(id)).toList();
            if (!unmarked.isEmpty()) {
                // Certainly not sent: the lease ended, or the row is no longer this
                // step's.
                store.returnToBuffer(unmarked, stepExecutionId);
            }
            List<WebhookSender.Call> calls = next.stream()
                .filter(sending::contains)
                .map((id) -> new WebhookSender.Call(id, byId.get(id).webhookBody()))
                .toList();
            if (calls.isEmpty()) {
                settled = List.of();
                continue;
            }
            Map<Long, WebhookResult> results = webhook.batch() ? sender.sendBatch(url, calls, lease::granted)
                    : sender.send(url, calls, lease::granted);
            Instant now = clock.instant();
            List<Outcome> windowOutcomes = new ArrayList<>();
            List<Long> withheld = new ArrayList<>();
            results.forEach((id, result) -> {
                if (result.kind() == WebhookResult.Kind.WITHHELD) {
                    withheld.add(id);
                }
                else {
                    windowOutcomes.add(outcome(byId.get(id), webhook, result, now));
                }
            });
            if (!withheld.isEmpty()) {
                // Marked, never sent: back to the buffer for whoever owns them next.
                store.returnToBuffer(withheld, stepExecutionId);
            }
            outcomes.addAll(windowOutcomes);
            settled = windowOutcomes;
        }
        return new Called(outcomes, recorded);
    }

    /** Every call's outcome, and the ids of those already recorded with a later mark. */
    record Called(List<Outcome> outcomes, Set<Long> recorded) {
    }

    private Outcome outcome(Delivery item, ChunkLoader.Webhook webhook, WebhookResult result, Instant now) {
        long id = item.evaluation().id();
        return switch (result.kind()) {
            case SENT ->
                Outcome.sent(id, new Outcome.DeliveryRecord(item.messageId(), webhook.url(), now, result.reply()));
            case PERMANENT -> Outcome.failed(id,
                    (result.status() > 0) ? "refused by the webhook: " + result.reply() : result.reply());
            case TRANSIENT -> (item.evaluation().attempts() + 1 >= delivery.maxAttempts())
                    ? Outcome.failed(id, "gave up after " + delivery.maxAttempts() + " attempts: " + result.reply())
                    : Outcome.retryLater(id, "will retry: " + result.reply(), now.plus(delivery.retryDelay()));
            case WITHHELD -> throw new IllegalStateException("withheld calls go back to the buffer");
            case UNKNOWN -> (delivery.atLeastOnce() && item.evaluation().attempts() + 1 < delivery.maxAttempts())
                    ? Outcome.retryLater(id, "calling again with the same Idempotency-Key: " + result.reply(), now)
                    : Outcome.inDoubt(id, "may or may not have been received: " + result.reply());
        };
    }

}
