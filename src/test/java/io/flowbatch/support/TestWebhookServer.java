package io.flowbatch.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP endpoint for webhook steps: it records every request (path, headers, body)
 * and answers with what the test's function says for the body; an answer may be held
 * until the server closes, beyond the caller's timeout.
 */
public final class TestWebhookServer implements AutoCloseable {

    private final HttpServer server;

    private final List<Request> requests = new ArrayList<>();

    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

    private volatile Function<Request, Reply> replies = (request) -> new Reply(200, "{}", false);

    private final CountDownLatch released = new CountDownLatch(1);

    public TestWebhookServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", this::handle);
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public void replies(Function<Request, Reply> replies) {
        this.replies = replies;
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized void clear() {
        requests.clear();
        seen.clear();
    }

    /** How many times a request carried this Idempotency-Key before this one. */
    public int seenBefore(String idempotencyKey) {
        return seen.computeIfAbsent(idempotencyKey, (key) -> new AtomicInteger()).get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> headers = new java.util.HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
        Request request = new Request(exchange.getRequestURI().getPath(), headers, body);
        Reply reply = replies.apply(request);
        synchronized (this) {
            requests.add(request);
        }
        seen.computeIfAbsent(String.valueOf(headers.get("idempotency-key")), (key) -> new AtomicInteger())
            .incrementAndGet();
        if (reply.held()) {
            try {
                // Until the test is done with it: a caller's timeout ends its wait first.
                released.await(30, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }

    /** One request as it arrived; header names in lower case. */
    public record Request(String path, Map<String, String> headers, String body) {
    }

    /**
     * What to answer.
     *
     * @param held whether the answer waits until the server is closed: an endpoint that
     * does not answer in time
     */
    public record Reply(int status, String body, boolean held) {
    }

}
