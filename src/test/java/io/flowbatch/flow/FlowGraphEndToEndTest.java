package io.flowbatch.flow;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.TestSmtpServer;
import jakarta.mail.MessagingException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The abandoned-checkout flow a store builds, created through the API and run by the
 * minute job on real PostgreSQL, Redis and SMTP for 5,000 customers of mixed properties:
 * trigger "Started Checkout" where {@code cartValue > 50}; wait 4 hours; email A to VIPs
 * and B to the others; wait a day; if they still have not ordered, half of them (a random
 * split) get email C; throughout, no one in the wholesale segment. The path each customer
 * should take is computed here, from the same data, without the engine's SQL, and every
 * customer's messages are compared with it.
 */
@FlowbatchTest
class FlowGraphEndToEndTest {

    static final int CUSTOMERS = 5_000;

    static final String STORE_FLOW = """
            {"name": "Abandoned checkout (graph)",
             "trigger": {"metric": "Started Checkout",
                         "filter": {"property": "event.properties.cartValue", "op": "gt", "value": 50}},
             "profileFilter": {"not": {"property": "customer.properties.segment", "op": "eq", "value": "wholesale"}},
             "steps": [
               {"id": "wait", "type": "delay", "delay": "PT4H", "next": "vip"},
               {"id": "vip", "type": "split",
                "condition": {"property": "customer.properties.tier", "op": "eq", "value": "gold"},
                "yes": "mailA", "no": "mailB"},
               {"id": "mailA", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "Email A", "html": "<p>A</p>"}, "next": "day"},
               {"id": "mailB", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "Email B", "html": "<p>B</p>"}, "next": "day"},
               {"id": "day", "type": "delay", "delay": "P1D", "next": "ordered"},
               {"id": "ordered", "type": "split",
                "condition": {"metric": "Placed Order", "since": "flowStart"}, "yes": null, "no": "ab"},
               {"id": "ab", "type": "random", "branches": [{"percent": 50, "next": "mailC"}, {"percent": 50, "next": null}]},
               {"id": "mailC", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "Email C", "html": "<p>C</p>"}}
             ]}
            """;

    @Autowired
    MockMvc mvc;

    @Autowired
    Fixtures fixture;

    @Autowired
    JsonMapper json;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void everyCustomerTakesThePathItsConditionsSay() throws Exception {
        mvc.perform(postJson("/api/flows", STORE_FLOW)).andExpect(status().isCreated());
        Instant started = Instant.now().minus(Duration.ofHours(5));
        post("/api/customers", customers(false));
        post("/api/events", checkouts(started));
        post("/api/events", orders(started));

        // The first run routes the 4-hour delay and the VIP split, and sends A or B.
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        // Some customers join the wholesale segment; the profile filter holds them back
        // from here on.
        post("/api/customers", customers(true));
        // A day passes.
        fixture.data()
            .jdbc()
            .sql("UPDATE evaluation SET due_at = due_at - interval '1 day 1 minute' WHERE state = 'WAITING'")
            .update();
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        Map<String, Long> ids = fixture.data()
            .jdbc()
            .sql("SELECT email, id FROM customer")
            .query((rs, row) -> Map.entry(rs.getString("email"), rs.getLong("id")))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        Map<String, List<String>> received = subjectsByRecipient();
        Map<String, Integer> paths = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            List<String> expected = expectedEmails(i, ids.get(email(i)));
            List<String> actual = received.getOrDefault(email(i), List.of());
            paths.merge(String.join("+", expected), 1, Integer::sum);
            if (!new TreeSet<>(actual).equals(new TreeSet<>(expected)) || actual.size() != expected.size()) {
                wrong.add(i + ": expected " + expected + ", got " + actual);
            }
        }
        System.out.println("Store flow, 5,000 customers, paths by emails received: " + paths);
        assertThat(wrong).as("customers whose emails differ from their path").isEmpty();
        // Every path of the flow is taken by someone.
        assertThat(paths.keySet()).contains("", "Email A", "Email B", "Email A+Email C", "Email B+Email C");
        assertThat(fixture.smtp().countByMessageId().values()).allMatch((count) -> count == 1);

        // The engine's own record agrees: skips by the profile filter, both branches of
        // each split, and the holdout of the random split.
        Map<String, Long> reasons = fixture.data()
            .jdbc()
            .sql("""
                    SELECT a.step_key || ' ' || e.state || ' ' || COALESCE(e.reason, '') AS outcome, count(*) AS n
                    FROM evaluation e JOIN action a ON a.id = e.action_id GROUP BY 1""")
            .query((rs, row) -> Map.entry(rs.getString("outcome"), rs.getLong("n")))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum, TreeMap::new));
        System.out.println("Store flow, evaluations by step, state and reason: " + reasons);
        Expected counts = expectedCounts(ids);
        assertThat(reasons).containsEntry("wait DONE delay ended", (long) counts.triggered)
            .containsEntry("vip DONE split: yes", (long) counts.vip)
            .containsEntry("vip DONE split: no", (long) (counts.triggered - counts.vip))
            .containsEntry("ordered DONE split: yes", (long) counts.ordered)
            .containsEntry("mailC SKIPPED profile filter: customer no longer meets it", (long) counts.laterWholesale);
        assertThat(reasons.keySet()).noneMatch((key) -> key.contains("WAITING") || key.contains("FAILED"));
    }

    /** The emails customer {@code i} should get, in order, worked out from its data. */
    private static List<String> expectedEmails(int i, Long customerId) {
        List<String> emails = new ArrayList<>();
        if (!triggers(i) || wholesale(i, false)) {
            return emails;
        }
        emails.add(gold(i) ? "Email A" : "Email B");
        if (orderedSinceStart(i)) {
            return emails;
        }
        if (bucket(customerId, "ab") < 50 && !wholesale(i, true)) {
            emails.add("Email C");
        }
        return emails;
    }

    private Expected expectedCounts(Map<String, Long> ids) {
        Expected counts = new Expected();
        for (int i = 0; i < CUSTOMERS; i++) {
            if (!triggers(i)) {
                continue;
            }
            counts.triggered++;
            if (gold(i)) {
                counts.vip++;
            }
            if (!wholesale(i, false) && orderedSinceStart(i)) {
                counts.ordered++;
            }
            if (!wholesale(i, false) && !orderedSinceStart(i) && bucket(ids.get(email(i)), "ab") < 50
                    && wholesale(i, true)) {
                counts.laterWholesale++;
            }
        }
        return counts;
    }

    /**
     * Cart values of every kind: numbers, numbers as text, text that is no number, none.
     */
    private static Object cartValue(int i) {
        int value = (i * 37) % 101;
        return switch (i % 4) {
            case 0 -> value;
            case 1 -> String.valueOf(value);
            case 2 -> "n/a";
            default -> null;
        };
    }

    private static boolean triggers(int i) {
        return (i % 4 == 0 || i % 4 == 1) && (i * 37) % 101 > 50;
    }

    private static boolean gold(int i) {
        return i % 5 == 0;
    }

    private static boolean wholesale(int i, boolean later) {
        return i % 7 == 0 || (later && i % 11 == 0);
    }

    /** A third ordered after the checkout; another third only before it. */
    private static boolean orderedSinceStart(int i) {
        return i % 3 == 0;
    }

    /**
     * The random split's documented bucket: md5 of "customerId:stepId", 32 bits, mod 100.
     */
    private static int bucket(long customerId, String step) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5")
                .digest((customerId + ":" + step).getBytes(StandardCharsets.UTF_8));
            return new BigInteger(1, java.util.Arrays.copyOf(digest, 4)).mod(BigInteger.valueOf(100)).intValue();
        }
        catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String email(int i) {
        return "graph" + i + "@example.com";
    }

    private List<Map<String, Object>> customers(boolean later) {
        List<Map<String, Object>> customers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            Map<String, Object> properties = new LinkedHashMap<>();
            if (gold(i)) {
                properties.put("tier", "gold");
            }
            else if (i % 5 == 1) {
                properties.put("tier", "silver");
            }
            properties.put("segment", wholesale(i, later) ? "wholesale" : ((i % 2 == 0) ? "retail" : "consumer"));
            customers.add(Map.of("email", email(i), "firstName", "Shopper" + i, "properties", properties));
        }
        return customers;
    }

    private List<Map<String, Object>> checkouts(Instant started) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            Map<String, Object> properties = new HashMap<>();
            if (cartValue(i) != null) {
                properties.put("cartValue", cartValue(i));
            }
            events.add(Map.of("email", email(i), "metric", "Started Checkout", "time", started.toString(), "properties",
                    properties));
        }
        return events;
    }

    private List<Map<String, Object>> orders(Instant started) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            if (i % 3 == 0) {
                events.add(Map.of("email", email(i), "metric", "Placed Order", "time",
                        started.plus(Duration.ofHours(2)).toString()));
            }
            else if (i % 3 == 1) {
                events.add(Map.of("email", email(i), "metric", "Placed Order", "time",
                        started.minus(Duration.ofHours(5)).toString()));
            }
        }
        return events;
    }

    private void post(String path, List<Map<String, Object>> body) throws Exception {
        mvc.perform(postJson(path, json.writeValueAsString(body))).andExpect((result) -> {
            assertThat(result.getResponse().getStatus()).as(result.getResponse().getContentAsString()).isLessThan(300);
        });
    }

    private Map<String, List<String>> subjectsByRecipient() {
        Map<String, List<String>> subjects = new HashMap<>();
        for (TestSmtpServer.Received message : fixture.smtp().received()) {
            try {
                subjects.computeIfAbsent(message.recipient(), (r) -> new ArrayList<>())
                    .add(message.parse().getSubject());
            }
            catch (MessagingException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return subjects;
    }

    private static final class Expected {

        int triggered;

        int vip;

        int ordered;

        int laterWholesale;

    }

}
