package io.flowbatch.embedded;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.flowbatch.intake.EventRequest;
import io.flowbatch.intake.IntakeService;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A steady trickle of demo events: a few checkouts every interval, and now and then an
 * order for one of the recent ones, so the flow filter has something to skip.
 */
class DemoTraffic {

    private static final Log logger = LogFactory.getLog(DemoTraffic.class);

    private static final int RECENT = 50;

    private final IntakeService intake;

    private final DemoProperties properties;

    private final Clock clock;

    private boolean started;

    /** Customers who started a checkout lately: the ones who may place an order. */
    private final Deque<String> recentCheckouts = new ArrayDeque<>();

    DemoTraffic(IntakeService intake, DemoProperties properties, Clock clock) {
        this.intake = intake;
        this.properties = properties;
        this.clock = clock;
    }

    static String email(int index) {
        return String.format("shopper%03d@example.com", index + 1);
    }

    void sendSome() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<EventRequest> events = new ArrayList<>();
        // About one checkout in five ends in an order, some time later: a random earlier
        // one.
        if (!recentCheckouts.isEmpty() && random.nextInt(3) == 0) {
            List<String> recent = new ArrayList<>(recentCheckouts);
            String buyer = recent.get(random.nextInt(recent.size()));
            recentCheckouts.remove(buyer);
            events.add(new EventRequest(buyer, DemoSetup.EXIT_METRIC, clock.instant(), "demo-" + UUID.randomUUID(),
                    Map.of()));
        }
        List<String> shoppers = new ArrayList<>();
        if (!started) {
            // The first checkouts include every address the demo's mail server refuses or
            // bounces, so that bounces show within minutes of the start.
            started = true;
            for (int i = 0; i < properties.customers(); i++) {
                if (DemoMailboxes.unknown(email(i)) || DemoMailboxes.bouncesLater(email(i))) {
                    shoppers.add(email(i));
                }
            }
        }
        int checkouts = 1 + random.nextInt(3);
        for (int i = 0; i < checkouts; i++) {
            shoppers.add(email(random.nextInt(properties.customers())));
        }
        for (String email : shoppers) {
            int items = 1 + random.nextInt(4);
            events.add(new EventRequest(email, DemoSetup.TRIGGER_METRIC, clock.instant(), "demo-" + UUID.randomUUID(),
                    Map.of("itemCount", items, "cartValue", String.format("%.2f", items * (9.99 + random.nextInt(90))),
                            "cartUrl", "https://shop.example.com/cart/" + UUID.randomUUID())));
            remember(email);
        }
        try {
            intake.ingestEvents(events);
        }
        catch (RuntimeException ex) {
            // The demo keeps going through a database restart; the next tick tries again.
            logger.warn("Demo events not sent: " + ex.getMessage());
        }
    }

    private void remember(String email) {
        recentCheckouts.addLast(email);
        if (recentCheckouts.size() > RECENT) {
            recentCheckouts.pollFirst();
        }
    }

}
