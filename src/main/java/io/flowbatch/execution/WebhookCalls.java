package io.flowbatch.execution;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
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
 * holds its claim lease), made, and each one's outcome decided as an email's is: 2xx
 * sent, 408/429/5xx or no connection retried later (until the attempts run out), any
 * other reply failed, no reply in time in doubt (at most once) or retried with the same
 * {@code Idempotency-Key} (at least once). Calls the lease no longer covers go back to
 * the buffer unsent.
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
     * Makes the chunk's calls; the outcome of each one marked, for the chunk to record.
     */
    List<Outcome> call(ChunkLoader.Webhook webhook, List<? extends Delivery> items) throws InterruptedException {
        Map<Long, Delivery> byId = new LinkedHashMap<>();
        items.forEach((item) -> byId.putIfAbsent(item.evaluation().id(), item));
        Set<Long> marked = lease.granted()
                ? store.recordAndMarkSending(stepExecutionId, List.of(), byId.keySet(), clock.instant()) : Set.of();
        List<Long> unmarked = byId.keySet().stream().filter((id) -> !marked.contains(id)).toList();
        if (!unmarked.isEmpty()) {
            store.returnToBuffer(unmarked, stepExecutionId);
        }
        List<WebhookSender.Call> calls = byId.values()
            .stream()
            .filter((item) -> marked.contains(item.evaluation().id()))
            .map((item) -> new WebhookSender.Call(item.evaluation().id(), item.webhookBody()))
            .toList();
        if (calls.isEmpty()) {
            return List.of();
        }
        URI url = URI.create(webhook.url());
        Map<Long, WebhookResult> results = webhook.batch() ? sender.sendBatch(url, calls) : sender.send(url, calls);
        Instant now = clock.instant();
        List<Outcome> outcomes = new ArrayList<>();
        results.forEach((id, result) -> outcomes.add(outcome(byId.get(id), webhook, result, now)));
        return outcomes;
    }

    private Outcome outcome(Delivery item, ChunkLoader.Webhook webhook, WebhookResult result, Instant now) {
        long id = item.evaluation().id();
        return switch (result.kind()) {
            case SENT ->
                Outcome.sent(id, new Outcome.DeliveryRecord(item.messageId(), webhook.url(), now, result.reply()));
            case PERMANENT -> Outcome.failed(id, "refused by the webhook: " + result.reply());
            case TRANSIENT -> (item.evaluation().attempts() + 1 >= delivery.maxAttempts())
                    ? Outcome.failed(id, "gave up after " + delivery.maxAttempts() + " attempts: " + result.reply())
                    : Outcome.retryLater(id, "will retry: " + result.reply(), now.plus(delivery.retryDelay()));
            case UNKNOWN -> delivery.atLeastOnce()
                    ? Outcome.retryLater(id, "calling again with the same Idempotency-Key: " + result.reply(), now)
                    : Outcome.inDoubt(id, "may or may not have been received: " + result.reply());
        };
    }

}
