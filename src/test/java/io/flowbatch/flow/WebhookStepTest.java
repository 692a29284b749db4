package io.flowbatch.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.TestWebhookServer;
import io.flowbatch.webhook.WebhookResult;
import io.flowbatch.webhook.WebhookSender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Webhook steps against a real HTTP endpoint: signed JSON requests, one per customer or
 * one per chunk, and each reply decides its item alone (2xx sent, 5xx retried, other 4xx
 * failed, no reply in time in doubt), with the customer's data unable to break out of the
 * JSON it is written into.
 */
@FlowbatchTest
class WebhookStepTest {

    static final String BODY = """
            {\\"email\\": \\"[[${customer.email}]]\\", \\"name\\": \\"[[${customer.firstName}]]\\", \
            \\"cart\\": [[${event.properties['cartValue']}]]}""";

    /** A first name that tries to end its JSON string and add a key. */
    static final String HOSTILE_NAME = "Eve\", \"admin\": true, \"x\": \"\\";

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixture;

    @Autowired
    JsonMapper json;

    @Autowired
    WebhookSender sender;

    TestWebhookServer server = new TestWebhookServer();

    @BeforeEach
    void reset() {
        fixture.reset();
        server.replies((request) -> {
            String body = request.body();
            if (body.contains("down")) {
                return new TestWebhookServer.Reply(
                        (server.seenBefore(request.headers().get("idempotency-key")) == 0) ? 503 : 200, "{}", false);
            }
            if (body.contains("gone")) {
                return new TestWebhookServer.Reply(410, "{\"error\": \"no such contact\"}", false);
            }
            if (body.contains("slow")) {
                return new TestWebhookServer.Reply(200, "{}", true);
            }
            return new TestWebhookServer.Reply(200, "{\"ok\": true}", false);
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void eachCustomerIsOneSignedRequestAndEachReplyDecidesItsItemAlone() throws Exception {
        flow("Hook", "/hook", false);
        List<String> names = new ArrayList<>(List.of("down", "gone", "slow", HOSTILE_NAME));
        for (int i = 0; i < 20; i++) {
            names.add("Shopper" + i);
        }
        trigger(names);

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        List<TestWebhookServer.Request> requests = server.requests();
        assertThat(requests).hasSize(24).allSatisfy(this::isSignedJson);
        Map<String, String> outcomes = outcomesByName();
        assertThat(outcomes).hasSize(24);
        assertThat(outcomes.get("gone"))
            .isEqualTo("FAILED refused by the webhook: HTTP 410: {\"error\": \"no such contact\"}");
        assertThat(outcomes.get("down")).isEqualTo("WAITING will retry: HTTP 503: {}");
        assertThat(outcomes.get("slow"))
            .isEqualTo("IN_DOUBT may or may not have been received: no reply within the timeout");
        assertThat(outcomes.get(HOSTILE_NAME)).isEqualTo("SENT ");
        assertThat(outcomes.entrySet().stream().filter((e) -> e.getKey().startsWith("Shopper")))
            .allMatch((e) -> e.getValue().equals("SENT "));
        // The hostile name arrived as one string, and added no key.
        JsonNode hostile = requests.stream()
            .map((request) -> json.readTree(request.body()))
            .filter((body) -> body.path("email").stringValue().startsWith("c3@"))
            .findFirst()
            .orElseThrow();
        assertThat(hostile.path("name").stringValue()).isEqualTo(HOSTILE_NAME);
        assertThat(hostile.has("admin")).isFalse();
        assertThat(hostile.path("cart").intValue()).isEqualTo(42);
        assertThat(fixture.data().count("delivery_log")).isEqualTo(21);
        assertThat(fixture.data().jdbc().sql("SELECT DISTINCT recipient FROM delivery_log").query(String.class).list())
            .containsExactly(server.url("/hook"));

        // The 503 is retried, with the same Idempotency-Key; nothing else is sent again.
        fixture.data().jdbc().sql("UPDATE evaluation SET due_at = now() WHERE state = 'WAITING'").update();
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(outcomesByName().get("down")).isEqualTo("SENT ");
        List<TestWebhookServer.Request> all = server.requests();
        assertThat(all).hasSize(25);
        assertThat(all.get(24).headers().get("idempotency-key")).isEqualTo(all.stream()
            .filter((r) -> r.body().contains("down"))
            .findFirst()
            .orElseThrow()
            .headers()
            .get("idempotency-key"));
    }

    /**
     * While a window of calls is in flight, only that window is SENDING: the windows
     * before it are recorded, the rest not yet marked. A crash there would leave only the
     * window in doubt.
     */
    @Test
    void onlyTheWindowInFlightIsSending() throws Exception {
        flow("Windowed hook", "/hook", false);
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        server.replies((request) -> {
            if (request.body().contains("hold")) {
                arrived.countDown();
                try {
                    released.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return new TestWebhookServer.Reply(200, "{}", false);
        });
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            names.add((i == 19) ? "hold" : "Shopper" + i);
        }
        trigger(names);

        ExecutorService job = Executors.newSingleThreadExecutor();
        try {
            Future<BatchStatus> run = job.submit(() -> fixture.runMinute().getStatus());
            assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();
            long sending = fixture.count("state = 'SENDING'");
            long sent = fixture.count("state = 'SENT'");
            long notYetMarked = fixture.count("state = 'PROCESSING'");
            released.countDown();
            assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(BatchStatus.COMPLETED);

            // The chunk of 30 is called eight at a time (the last window holds six), in
            // the order the reader popped them: the windows before the held one are
            // recorded SENT, the ones after it not marked yet.
            assertThat(sending).isBetween(1L, 8L);
            assertThat(sent % 8).isZero();
            assertThat(sent + sending + notYetMarked).isEqualTo(30);
        }
        finally {
            released.countDown();
            job.shutdownNow();
        }
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(30);
        assertThat(server.requests()).hasSize(30);
    }

    /**
     * The hole it pins: a sender paused past its claim lease must hand no more calls over
     * once it wakes. The permit (the lease) is asked before each request, and a call
     * asked for after it ended is withheld, certainly unsent, for the row's next owner.
     */
    @Test
    void noCallLeavesOnceThePermitHasEnded() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        List<WebhookSender.Call> calls = new ArrayList<>();
        for (long id = 1; id <= 10; id++) {
            calls.add(new WebhookSender.Call(id, "{\"n\": " + id + "}"));
        }
        Map<Long, WebhookResult> results = sender.send(java.net.URI.create(server.url("/hook")), calls,
                () -> asked.incrementAndGet() <= 3);

        assertThat(server.requests()).hasSize(3);
        assertThat(results.values().stream().filter((r) -> r.kind() == WebhookResult.Kind.SENT)).hasSize(3);
        assertThat(results.values().stream().filter((r) -> r.kind() == WebhookResult.Kind.WITHHELD)).hasSize(7);
        assertThat(sender.sendBatch(java.net.URI.create(server.url("/batch")), calls, () -> false).values())
            .allMatch((r) -> r.kind() == WebhookResult.Kind.WITHHELD);
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void anEndpointThatTakesBatchesGetsTheChunkInOneRequestAndRepliesPerItem() throws Exception {
        flow("Batch hook", "/batch", true);
        server.replies((request) -> {
            StringBuilder results = new StringBuilder();
            for (JsonNode item : json.readTree(request.body()).path("items")) {
                if (!results.isEmpty()) {
                    results.append(',');
                }
                int status = item.path("data").path("name").stringValue().equals("gone") ? 404 : 200;
                results.append("{\"evaluationId\": ")
                    .append(item.path("evaluationId").longValue())
                    .append(", \"status\": ")
                    .append(status)
                    .append('}');
            }
            return new TestWebhookServer.Reply(200, "{\"results\": [" + results + "]}", false);
        });
        List<String> names = new ArrayList<>(List.of("gone"));
        for (int i = 0; i < 30; i++) {
            names.add("Shopper" + i);
        }
        trigger(names);

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(server.requests()).hasSize(1).allSatisfy(this::isSignedJson);
        assertThat(json.readTree(server.requests().get(0).body()).path("items").size()).isEqualTo(31);
        Map<String, String> outcomes = outcomesByName();
        assertThat(outcomes.get("gone")).startsWith("FAILED refused by the webhook: HTTP 404");
        assertThat(outcomes.values().stream().filter("SENT "::equals).count()).isEqualTo(30);
    }

    @Test
    void aUrlOutsideTheAllowListOrWithoutTlsIsRefusedWhenSaved() throws Exception {
        for (String url : List.of("https://evil.example.net/hook", "ftp://hooks.example.com/x")) {
            mvc.perform(postJson("/api/flows", FlowGraphValidationTest.flow("""
                    {"id": "hook", "type": "webhook", "url": "%s", "body": "{}"}""".formatted(url))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[?(@.field == 'steps[0].url')].message")
                    .value(hasItem(containsString(url.startsWith("ftp") ? "must be an http or https URL"
                            : "is not in flowbatch.outbound-webhooks.allowed-hosts"))));
        }
        mvc.perform(postJson("/api/flows", FlowGraphValidationTest.flow("""
                {"id": "hook", "type": "webhook", "url": "https://hooks.example.com/x",
                 "body": "[[${T(java.lang.System).exit(0)}]]"}""")))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[*].field").value(hasItem("steps[0].body")));
        assertThat(fixture.data().count("flow")).isZero();
    }

    private void isSignedJson(TestWebhookServer.Request request) {
        assertThat(request.headers().get("content-type")).isEqualTo("application/json");
        String signature = request.headers().get("x-flowbatch-signature");
        assertThat(signature).matches("t=\\d+,v1=[0-9a-f]{64}");
        String timestamp = signature.substring(2, signature.indexOf(','));
        assertThat(signature.substring(signature.indexOf("v1=") + 3))
            .isEqualTo(sender.sign(timestamp + "." + request.body()));
        assertThat(request.headers().get("idempotency-key")).isNotBlank();
        json.readTree(request.body());
    }

    private void flow(String name, String path, boolean batch) throws Exception {
        mvc.perform(postJson("/api/flows", """
                {"name": "%s", "trigger": {"metric": "Started Checkout"},
                 "steps": [{"id": "hook", "type": "webhook", "url": "%s", "batch": %s, "body": "%s"}]}"""
            .formatted(name, server.url(path), batch, BODY))).andExpect(status().isCreated());
    }

    /**
     * Customer {@code i} is named {@code names.get(i)} and starts a checkout worth 42.
     */
    private void trigger(List<String> names) throws Exception {
        List<Map<String, Object>> customers = new ArrayList<>();
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            customers.add(Map.of("email", "c" + i + "@example.com", "firstName", names.get(i)));
            events.add(Map.of("email", "c" + i + "@example.com", "metric", "Started Checkout", "time",
                    Instant.now().minus(Duration.ofMinutes(5)).toString(), "properties", Map.of("cartValue", 42)));
        }
        mvc.perform(postJson("/api/customers", json.writeValueAsString(customers))).andExpect(status().isOk());
        mvc.perform(postJson("/api/events", json.writeValueAsString(events))).andExpect(status().isAccepted());
    }

    private Map<String, String> outcomesByName() {
        return fixture.data()
            .jdbc()
            .sql("SELECT c.first_name, e.state || ' ' || COALESCE(e.reason, '') AS outcome FROM evaluation e "
                    + "JOIN customer c ON c.id = e.customer_id")
            .query((rs, row) -> Map.entry(rs.getString("first_name"), rs.getString("outcome")))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

}
