package io.flowbatch.webhook;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLHandshakeException;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.stereotype.Component;

/**
 * Makes a chunk's webhook requests: each a signed JSON {@code POST} with its own timeout,
 * at most {@code concurrency} in flight, or the whole chunk in one request to an endpoint
 * that takes batches. Redirects are not followed (a redirect could lead anywhere). The
 * JDK's HTTP client does this well (timeouts, async requests, HTTP/2), so no library is
 * added for it.
 *
 * <p>
 * Every request carries {@code X-Flowbatch-Signature: t=<unix seconds>,v1=<hex>}, the
 * HMAC-SHA256 of {@code <t>.<body>} under
 * {@code flowbatch.outbound-webhooks.signing-key}, and {@code Idempotency-Key}, which is
 * the same every time an evaluation is sent again, so a receiver can drop a repeat.
 */
@Component
public class WebhookSender {

    public static final String SIGNATURE_HEADER = "X-Flowbatch-Signature";

    public static final String EVALUATION_HEADER = "X-Flowbatch-Evaluation";

    /** Of a reply, only its status and start are kept. */
    static final int MAX_REPLY = 4_096;

    /** A batch's reply may say per item: room for a chunk's results. */
    static final int MAX_BATCH_REPLY = 1 << 20;

    private final OutboundWebhookProperties properties;

    private final WebhookTargets targets;

    private final JsonMapper json;

    private final Clock clock;

    private final HttpClient client;

    WebhookSender(OutboundWebhookProperties properties, WebhookTargets targets, JsonMapper json, Clock clock) {
        this.properties = properties;
        this.targets = targets;
        this.json = json;
        this.clock = clock;
        this.client = HttpClient.newBuilder()
            .connectTimeout(properties.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    }

    /** How many requests of a chunk may be in flight at once. */
    public int concurrency() {
        return properties.concurrency();
    }

    /**
     * One request per call, {@code concurrency} at a time, each only while {@code permit}
     * holds; a result for every call.
     */
    public Map<Long, WebhookResult> send(URI url, List<Call> calls, BooleanSupplier permit)
            throws InterruptedException {
        Map<Long, WebhookResult> results = new LinkedHashMap<>();
        WebhookResult refused = refusal(url);
        if (refused != null) {
            calls.forEach((call) -> results.put(call.id(), refused));
            return results;
        }
        Semaphore inFlight = new Semaphore(properties.concurrency());
        Map<Long, CompletableFuture<WebhookResult>> pending = new LinkedHashMap<>();
        for (Call call : calls) {
            inFlight.acquire();
            CompletableFuture<WebhookResult> result;
            // Asked just before each request leaves, as the SMTP sender asks before each
            // message: a caller paused past its lease hands nothing more over.
            if (!permit.getAsBoolean()) {
                inFlight.release();
                pending.put(call.id(), CompletableFuture.completedFuture(WebhookResult.WITHHELD));
                continue;
            }
            try {
                result = post(url, call.body(), idempotencyKey(call.id()), Long.toString(call.id()));
            }
            catch (RuntimeException ex) {
                // Refused before anything left: the others of the window still count.
                result = CompletableFuture.completedFuture(failure(ex));
            }
            pending.put(call.id(), result.whenComplete((done, failure) -> inFlight.release()));
        }
        pending.forEach((id, future) -> results.put(id, future.join()));
        return results;
    }

    /**
     * The whole chunk in one request: {@code {"items": [{"evaluationId": n, "data":
     * <body>}, ...]}}. The reply's status counts for every item, unless its body says per
     * item: {@code {"results": [{"evaluationId": n, "status": 200}, ...]}}.
     */
    public Map<Long, WebhookResult> sendBatch(URI url, List<Call> calls, BooleanSupplier permit) {
        Map<Long, WebhookResult> results = new LinkedHashMap<>();
        WebhookResult refused = refusal(url);
        if (refused != null) {
            calls.forEach((call) -> results.put(call.id(), refused));
            return results;
        }
        if (!permit.getAsBoolean()) {
            calls.forEach((call) -> results.put(call.id(), WebhookResult.WITHHELD));
            return results;
        }
        ObjectNode batch = json.createObjectNode();
        ArrayNode items = batch.putArray("items");
        for (Call call : calls) {
            ObjectNode item = items.addObject();
            item.put("evaluationId", call.id());
            item.put("idempotencyKey", idempotencyKey(call.id()));
            item.set("data", json.readTree(call.body()));
        }
        String key = "batch-" + calls.get(0).id() + "-" + calls.get(calls.size() - 1).id() + "-" + calls.size();
        BatchReply reply;
        try {
            reply = postBatch(url, json.writeValueAsString(batch), key).join();
        }
        catch (RuntimeException ex) {
            reply = new BatchReply(failure(ex), Map.of());
        }
        for (Call call : calls) {
            results.put(call.id(), reply.perItem().getOrDefault(call.id(), reply.overall()));
        }
        return results;
    }

    private WebhookResult refusal(URI url) {
        if (properties.signingKey() == null) {
            return new WebhookResult(WebhookResult.Kind.PERMANENT, 0,
                    "not sent: flowbatch.outbound-webhooks.signing-key is not set on this node");
        }
        try {
            targets.checkResolved(url);
            return null;
        }
        catch (WebhookRefusedException ex) {
            return new WebhookResult(WebhookResult.Kind.PERMANENT, 0, "not sent: " + ex.getMessage());
        }
    }

    /**
     * The timeout bounds the whole exchange: the client's own request timeout ends when
     * the reply's headers arrive, and a body that trickles in must not hold the chunk.
     * Only the start of a reply is read.
     */
    private CompletableFuture<WebhookResult> post(URI url, String body, String idempotencyKey, String evaluation) {
        return client.sendAsync(request(url, body, idempotencyKey, evaluation), LimitedBody.handler(MAX_REPLY))
            .orTimeout(properties.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .thenApply((response) -> WebhookResult.ofStatus(response.statusCode(), response.body()))
            .exceptionally(WebhookSender::failure);
    }

    private CompletableFuture<BatchReply> postBatch(URI url, String body, String idempotencyKey) {
        return client.sendAsync(request(url, body, idempotencyKey, null), LimitedBody.handler(MAX_BATCH_REPLY))
            .orTimeout(properties.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .thenApply((response) -> {
                WebhookResult overall = WebhookResult.ofStatus(response.statusCode(), response.body());
                return new BatchReply(overall,
                        (overall.kind() == WebhookResult.Kind.SENT) ? perItem(response.body()) : Map.of());
            })
            .exceptionally((failure) -> new BatchReply(failure(failure), Map.of()));
    }

    private Map<Long, WebhookResult> perItem(String body) {
        Map<Long, WebhookResult> results = new HashMap<>();
        try {
            JsonNode reply = json.readTree(body);
            if (reply != null && reply.path("results").isArray()) {
                for (JsonNode item : reply.path("results")) {
                    if (item.path("evaluationId").isIntegralNumber() && item.path("status").isIntegralNumber()) {
                        results.put(item.path("evaluationId").longValue(), WebhookResult
                            .ofStatus(item.path("status").intValue(), item.path("error").asString("")));
                    }
                }
            }
        }
        catch (JacksonException ex) {
            // Not a per-item reply: the status holds for every item.
        }
        return results;
    }

    private HttpRequest request(URI url, String body, String idempotencyKey, String evaluation) {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
            .timeout(properties.timeout())
            .header("Content-Type", "application/json")
            .header("User-Agent", "flowbatch")
            .header("Idempotency-Key", idempotencyKey)
            .header(SIGNATURE_HEADER, "t=" + timestamp + ",v1=" + sign(timestamp + "." + body))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (evaluation != null) {
            request.header(EVALUATION_HEADER, evaluation);
        }
        return request.build();
    }

    /** HMAC-SHA256 of {@code text} under the signing key, in hex. */
    public String sign(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(properties.signingKey().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException | InvalidKeyException ex) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", ex);
        }
    }

    /**
     * No connection: nothing was sent, so it may be tried again. A timeout or a broken
     * connection after the request went out: the endpoint may have acted on it.
     */
    private static WebhookResult failure(Throwable failure) {
        Throwable cause = (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause()
                : failure;
        if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException) {
            return new WebhookResult(WebhookResult.Kind.TRANSIENT, 0, "not sent: could not connect: " + cause);
        }
        if (cause instanceof SSLHandshakeException) {
            // The request never left: no TLS session was set up.
            return new WebhookResult(WebhookResult.Kind.TRANSIENT, 0,
                    "not sent: TLS handshake failed: " + cause.getMessage());
        }
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return new WebhookResult(WebhookResult.Kind.UNKNOWN, 0, "no reply within the timeout");
        }
        if (cause instanceof IOException) {
            return new WebhookResult(WebhookResult.Kind.UNKNOWN, 0, "the connection failed: " + cause.getMessage());
        }
        return new WebhookResult(WebhookResult.Kind.PERMANENT, 0, "not sent: " + cause);
    }

    /** The same every time an evaluation is sent again. */
    static String idempotencyKey(long evaluationId) {
        return "evaluation-" + evaluationId;
    }

    /** One request of the chunk: the evaluation it executes and its rendered body. */
    public record Call(long id, String body) {
    }

    private record BatchReply(WebhookResult overall, Map<Long, WebhookResult> perItem) {
    }

}
