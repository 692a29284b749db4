package io.flowbatch.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.flow.OnCap;
import io.flowbatch.flow.SendDay;
import io.flowbatch.flow.SendWindow;
import io.flowbatch.intake.CustomerRequest;
import io.flowbatch.intake.IntakeService;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.ClassPathResource;

/**
 * Creates the demo flow (once: it survives restarts with the data) and the demo
 * customers. The flow is a graph: checkouts worth more than 20, after the delay a split
 * sends gold-tier customers one email and the others another, each in a send window on
 * the customer's clock.
 */
class DemoSetup {

    static final String FLOW_NAME = "Abandoned checkout";

    static final String TRIGGER_METRIC = "Started Checkout";

    static final String EXIT_METRIC = "Placed Order";

    private static final Log logger = LogFactory.getLog(DemoSetup.class);

    private static final String[] FIRST_NAMES = { "Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Ken",
            "Frances", "Dennis", "Radia", "Edsger", "Hedy", "Tim", "Katherine", "Donald", "Shafi" };

    private static final String[] LAST_NAMES = { "Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov",
            "Thompson", "Allen", "Ritchie", "Perlman", "Dijkstra", "Lamarr", "Berners-Lee", "Johnson", "Knuth",
            "Goldwasser" };

    /**
     * Customers around the world: whatever the hour, some are outside the send window and
     * the dashboard shows their evaluations deferred.
     */
    private static final String[] TIME_ZONES = { "Europe/Paris", "America/New_York", "America/Los_Angeles",
            "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo" };

    /** Every day, 08:00 to 21:00 on the customer's clock. */
    static final SendWindow SEND_WINDOW = new SendWindow(Arrays.asList(SendDay.values()), LocalTime.of(8, 0),
            LocalTime.of(21, 0));

    private final FlowService flows;

    private final IntakeService intake;

    private final DemoProperties properties;

    private final JsonMapper json;

    DemoSetup(FlowService flows, IntakeService intake, DemoProperties properties, JsonMapper json) {
        this.json = json;
        this.flows = flows;
        this.intake = intake;
        this.properties = properties;
    }

    void ensureFlowAndCustomers() {
        if (flows.findIdByName(FLOW_NAME).isEmpty()) {
            String html = read("templates/email/abandoned-checkout.html");
            String text = read("templates/email/abandoned-checkout.txt");
            FlowRequest.Email vip = new FlowRequest.Email("Demo Shop <shop@example.com>",
                    "[[${customer.firstName}]], your gold-member cart is waiting", html, text);
            FlowRequest.Email standard = new FlowRequest.Email("Demo Shop <shop@example.com>",
                    "[[${customer.firstName}]], you left something in your cart", html, text);
            List<FlowRequest.StepRequest> steps = List.of(
                    new FlowRequest.StepRequest("wait", "delay", "vip", properties.delay(), null, null, null, null,
                            null, null, null, null, null, null, null, null, null, null, null),
                    new FlowRequest.StepRequest("vip", "split", null, null, null, null, null, null, null, null, null,
                            null,
                            json.readTree(
                                    "{\"property\": \"customer.properties.tier\", \"op\": \"eq\", \"value\": \"gold\"}"),
                            json.readTree("\"vipEmail\""), json.readTree("\"cartEmail\""), null, null, null, null),
                    email("vipEmail", vip), email("cartEmail", standard));
            FlowRequest.Trigger trigger = new FlowRequest.Trigger(TRIGGER_METRIC,
                    json.readTree("{\"property\": \"event.properties.cartValue\", \"op\": \"gt\", \"value\": 20}"));
            long id = flows.create(new FlowRequest(FLOW_NAME, trigger, List.of(EXIT_METRIC), null, null, null, steps))
                .id();
            logger.info("Demo flow '" + FLOW_NAME + "' created (id " + id + "): on '" + TRIGGER_METRIC
                    + "' worth more than 20, " + properties.delay() + " later gold-tier customers get one email and "
                    + "the others another, unless '" + EXIT_METRIC + "', with smart sending, between "
                    + SEND_WINDOW.from() + " and " + SEND_WINDOW.to() + " on each customer's clock");
        }
        List<CustomerRequest> customers = new ArrayList<>();
        for (int i = 0; i < properties.customers(); i++) {
            customers.add(new CustomerRequest(DemoTraffic.email(i), FIRST_NAMES[i % FIRST_NAMES.length],
                    LAST_NAMES[(i / FIRST_NAMES.length) % LAST_NAMES.length], TIME_ZONES[i % TIME_ZONES.length],
                    Map.of("tier", (i % 5 == 0) ? "gold" : "standard")));
        }
        intake.upsertCustomers(customers);
    }

    private static FlowRequest.StepRequest email(String id, FlowRequest.Email email) {
        return new FlowRequest.StepRequest(id, "email", null, null, null, ActionStatus.LIVE, email,
                ActionKind.MARKETING, true, OnCap.SKIP, SEND_WINDOW, null, null, null, null, null, null, null, null);
    }

    private static String read(String path) {
        try {
            return new ClassPathResource(path).getContentAsString(StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Demo template missing: " + path, ex);
        }
    }

}
