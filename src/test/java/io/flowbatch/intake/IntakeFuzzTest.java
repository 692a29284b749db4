package io.flowbatch.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.flow;
import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based bad input against the intake API: generated bodies (random JSON, broken
 * JSON, wrong types, missing fields, huge strings and arrays, deep nesting, control
 * characters, CR/LF in names and metrics, odd but valid and invalid addresses), from a
 * seed printed with every failure (fixed for CI;
 * {@code -Dflowbatch.fuzz.seed=$RANDOM -Dflowbatch.fuzz.cases=5000} explores). Never a
 * 5xx; a 4xx is a problem body that says what is wrong and nothing was written; a 2xx
 * stored no CR or LF anywhere a mail header could carry it.
 *
 * <p>
 * jqwik would be the usual tool; it runs on JUnit Platform 1 while Boot 4 brings JUnit 6,
 * and its maintainers ask that AI coding agents not use its current releases, so this
 * generator is written here, with a seed to replay any case.
 */
@FlowbatchTest
class IntakeFuzzTest {

    static final List<String> VALID_ADDRESSES = List.of("jane@example.com", "jane+tag@example.com",
            "o'brien@example.ie", "UPPER@EXAMPLE.COM", "a@b.co", "first.last@sub.example.co.uk", "josé@example.com",
            "user@xn--bcher-kva.example");

    static final List<String> INVALID_ADDRESSES = List.of("", " ", "plain", "a@@example.com", "@example.com", "a@",
            "a b@example.com", "a@example.com\r\nBcc: all@example.com", "<a@example.com>",
            "a@example.com,b@example.com", "a\u0000@example.com", "\"a\nb\"@example.com",
            "a".repeat(400) + "@example.com", "a@example..com");

    static final List<String> STRINGS = List.of("", " ", "Jane", "Zoë", "名前", "\uD83D\uDE00",
            "Jane\r\nBcc: x@example.com", "Jane\nSubject: hi", "\u0000", "\u001b[31m", "\u2028",
            "<script>alert(1)</script>", "${T(java.lang.Runtime)}", "[[${customer.email}]]",
            "'; DROP TABLE customer; --", "\\", "\"", "%s%n", "x".repeat(300), "x".repeat(70_000));

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    private final long seed = Long.getLong("flowbatch.fuzz.seed", 20261126L);

    private final Random random = new Random(seed);

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        mvc.perform(postJson("/api/flows", flow("Abandoned checkout", "Started Checkout", "Placed Order", "PT4H")));
    }

    @Test
    void neverAServerErrorAndNothingWrittenOnARefusal() throws Exception {
        int cases = Integer.getInteger("flowbatch.fuzz.cases", 400);
        int accepted = 0;
        for (int i = 0; i < cases; i++) {
            String path = random.nextBoolean() ? "/api/events" : "/api/customers";
            String body = body(path);
            Map<String, Long> before = data.counts();
            MockHttpServletResponse response = mvc.perform(postJson(path, body)).andReturn().getResponse();
            String replay = "case " + i + " of seed " + seed + ": POST " + path + " "
                    + body.substring(0, Math.min(body.length(), 300)) + " -> " + response.getStatus() + " "
                    + response.getContentAsString();
            assertThat(response.getStatus()).as(replay).isLessThan(500);
            if (response.getStatus() >= 400) {
                assertThat(response.getStatus()).as(replay).isIn(400, 413);
                assertThat(response.getContentAsString()).as(replay)
                    .contains("\"detail\"")
                    .doesNotContain("Exception")
                    .doesNotContain("at io.flowbatch")
                    .doesNotContain("SELECT ")
                    .doesNotContain("INSERT ");
                if (response.getStatus() == 400) {
                    assertThat(response.getContentAsString()).as(replay).contains("\"errors\"").contains("\"message\"");
                }
                assertThat(data.counts()).as(replay).isEqualTo(before);
            }
            else {
                accepted++;
            }
        }
        assertThat(data.jdbc()
            .sql("SELECT count(*) FROM customer WHERE first_name ~ '[\\r\\n]' OR last_name ~ '[\\r\\n]' "
                    + "OR email ~ '[\\r\\n]'")
            .query(Long.class)
            .single()).isZero();
        assertThat(data.jdbc().sql("SELECT count(*) FROM event WHERE metric ~ '[\\r\\n]'").query(Long.class).single())
            .isZero();
        // The generator is not only noise: some cases are valid and must go through.
        assertThat(accepted).as("accepted cases of seed " + seed).isGreaterThan(cases / 20);
    }

    @Test
    void aBodyPastTheSizeLimitIsRefusedBeforeItIsRead() throws Exception {
        String huge = "[{\"email\": \"jane@example.com\", \"metric\": \"" + "x".repeat(33 * 1024 * 1024) + "\"}]";
        MockHttpServletResponse response = mvc.perform(postJson("/api/events", huge)).andReturn().getResponse();

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).contains("larger than 33554432 bytes");
        assertThat(data.count("event") + data.count("customer")).isZero();
    }

    private String body(String path) {
        return switch (random.nextInt(8)) {
            case 0 -> json(randomValue(0));
            case 1 -> truncate(validBody(path, 1 + random.nextInt(5)));
            // One more item than a request may carry (small ones: the size limit has a
            // test of its own).
            case 2 -> "["
                    + String.join(",",
                            java.util.Collections.nCopies(10_001, "{\"email\": \"a@example.com\", \"metric\": \"m\"}"))
                    + "]";
            case 3 -> "[" + "[".repeat(3_000) + "]".repeat(3_000) + "]";
            default -> validBody(path, 1 + random.nextInt(5));
        };
    }

    private String validBody(String path, int items) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            list.add(item(path));
        }
        return "[" + String.join(",", list) + "]";
    }

    /** An item that is valid more often than not, with one field sometimes broken. */
    private String item(String path) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("email", json(random.nextInt(4) == 0 ? pick(INVALID_ADDRESSES) : pick(VALID_ADDRESSES)));
        if (path.endsWith("events")) {
            fields.put("metric", json(random.nextInt(6) == 0 ? pick(STRINGS) : "Started Checkout"));
            if (random.nextBoolean()) {
                fields.put("time", json(pick(List.of("2026-11-26T10:00:00Z", "yesterday", "2026-13-45T99:00:00Z", "",
                        "2026-11-26T10:00:00+14:00", "+999999999-12-31T23:59:59Z"))));
            }
            if (random.nextBoolean()) {
                fields.put("uniqueId", json(random.nextInt(5) == 0 ? pick(STRINGS) : "u-" + random.nextInt(50)));
            }
        }
        else {
            fields.put("firstName", json(random.nextInt(3) == 0 ? pick(STRINGS) : "Jane"));
            if (random.nextBoolean()) {
                fields.put("timezone", json(pick(List.of("Europe/Paris", "UTC", "Mars/Olympus", "", "+02:00"))));
            }
        }
        if (random.nextBoolean()) {
            fields.put("properties", random.nextInt(4) == 0 ? json(randomValue(0)) : "{\"cartUrl\": \"https://x/1\"}");
        }
        if (random.nextInt(6) == 0) {
            List<String> keys = new ArrayList<>(fields.keySet());
            String key = keys.get(random.nextInt(keys.size()));
            switch (random.nextInt(3)) {
                case 0 -> fields.remove(key);
                case 1 -> fields.put(key, json(randomValue(0)));
                default -> fields.put(key, "12345678901234567890123");
            }
        }
        StringBuilder item = new StringBuilder("{");
        fields.forEach(
                (key, value) -> item.append(item.length() > 1 ? "," : "").append(json(key)).append(':').append(value));
        return item.append('}').toString();
    }

    private Object randomValue(int depth) {
        int kind = random.nextInt((depth > 3) ? 5 : 7);
        return switch (kind) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextInt(3) == 0 ? Double.MAX_VALUE : random.nextLong();
            case 3, 4 -> pick(STRINGS);
            case 5 -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.add(randomValue(depth + 1));
                }
                yield list;
            }
            default -> {
                Map<String, Object> map = new java.util.LinkedHashMap<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    map.put(pick(List.of("email", "metric", "time", "properties", "firstName", "x", "")),
                            randomValue(depth + 1));
                }
                yield map;
            }
        };
    }

    private String truncate(String json) {
        return json.substring(0, random.nextInt(json.length()));
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /**
     * Hand-written JSON, so that the generator controls every byte (control characters
     * included).
     */
    static String json(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String text) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    default -> out.append((c < 0x20) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
                }
            }
            return out.append('"').toString();
        }
        if (value instanceof List<?> list) {
            return "[" + String.join(",", list.stream().map(IntakeFuzzTest::json).toList()) + "]";
        }
        if (value instanceof Map<?, ?> map) {
            List<String> entries = new ArrayList<>();
            map.forEach((key, item) -> entries.add(json(key) + ":" + json(item)));
            return "{" + String.join(",", entries) + "}";
        }
        return String.valueOf(value);
    }

}
