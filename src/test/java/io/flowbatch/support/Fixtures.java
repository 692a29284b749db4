package io.flowbatch.support;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowCreated;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.intake.CustomerRequest;
import io.flowbatch.intake.EventRequest;
import io.flowbatch.intake.IntakeService;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Builds flows, customers and due evaluations for tests, resets the services, and runs
 * the job.
 */
@TestConfiguration(proxyBeanMethods = false)
@Import(TestData.class)
public class Fixtures {

    public static final String TRIGGER = "Started Checkout";

    private static final AtomicLong minutes = new AtomicLong();

    private final FlowService flows;

    private final IntakeService intake;

    private final FlowExecutionLauncher launcher;

    private final TestData data;

    private final StringRedisTemplate redis;

    private final TestSmtpServer smtp = TestSmtpServer.shared();

    Fixtures(FlowService flows, IntakeService intake, FlowExecutionLauncher launcher, TestData data,
            StringRedisTemplate redis) {
        this.flows = flows;
        this.intake = intake;
        this.launcher = launcher;
        this.data = data;
        this.redis = redis;
    }

    public FlowService flows() {
        return flows;
    }

    public IntakeService intake() {
        return intake;
    }

    public TestData data() {
        return data;
    }

    public StringRedisTemplate redis() {
        return redis;
    }

    public TestSmtpServer smtp() {
        return smtp;
    }

    /** Empty tables, an SMTP server that accepts everything, no Redis buckets. */
    public void reset() {
        data.reset();
        smtp.reset();
        Set<String> keys = redis.keys("flowbatch:*");
        if (keys != null && !keys.isEmpty()) {
            redis.delete(keys);
        }
    }

    /**
     * A live flow with one marketing email action per delay; returns the action ids in
     * order. Without smart sending, so that tests of other behaviour can send a customer
     * several emails in one minute (SmartSendingTest tests it).
     */
    public List<Long> flow(String name, String trigger, List<String> exitMetrics, ActionStatus status, String html,
            String... delays) {
        List<FlowRequest.ActionRequest> actions = new ArrayList<>();
        for (String delay : delays) {
            actions.add(new FlowRequest.ActionRequest(
                    Duration.parse(delay), status, new FlowRequest.Email("Shop <shop@example.com>",
                            "Hi [[${customer.firstName}]]", html, "Hello [[${customer.firstName}]]"),
                    ActionKind.MARKETING, false));
        }
        FlowCreated created = flows
            .create(new FlowRequest(name, new FlowRequest.Trigger(trigger), exitMetrics, null, actions));
        return created.actions().stream().map(FlowCreated.ActionId::id).toList();
    }

    /**
     * A live flow on {@link #TRIGGER} with one email action after an hour; returns the
     * action id.
     */
    public long checkoutFlow(String name) {
        return flow(name, TRIGGER, List.of(), ActionStatus.LIVE, "<p>Hi [[${customer.firstName}]]</p>", "PT1H").get(0);
    }

    /**
     * Customers {@code from} to {@code to - 1} and one checkout each, two hours ago: due
     * now.
     */
    public void dueCheckouts(int from, int to) {
        customers(from, to);
        events(TRIGGER, from, to, java.time.Instant.now().minus(Duration.ofHours(2)));
    }

    public void customers(int from, int to) {
        customers(from, to, (i) -> null);
    }

    /** Customers {@code from} to {@code to - 1}, each in the time zone given for it. */
    public void customers(int from, int to, IntFunction<String> timeZone) {
        List<CustomerRequest> customers = new ArrayList<>();
        for (int i = from; i < to; i++) {
            customers.add(new CustomerRequest(email(i), "First" + i, "Last" + i, timeZone.apply(i), Map.of("n", i)));
        }
        intake.upsertCustomers(customers);
    }

    public void events(String metric, int from, int to, Instant time) {
        List<EventRequest> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add(new EventRequest(email(i), metric, time, null,
                    Map.of("cartUrl", "https://shop.example.com/cart/" + i)));
        }
        intake.ingestEvents(events);
    }

    public static String email(int i) {
        return "customer" + i + "@example.com";
    }

    /** Runs the job as the scheduler would, for a minute no other test used. */
    public JobExecution runMinute() throws Exception {
        return launcher.runScheduled(Instant.parse("2030-01-01T00:00:00Z")
            .plusSeconds(60 * minutes.incrementAndGet())
            .plusNanos(System.nanoTime() % 1_000_000_000L));
    }

    /** The Message-ID of the one message sent to customer {@code i}. */
    public String messageIdSentTo(int i) {
        return sentTo(i, "message_id", String.class);
    }

    /** The evaluation of the one message sent to customer {@code i}. */
    public long evaluationSentTo(int i) {
        return sentTo(i, "evaluation_id", Long.class);
    }

    private <T> T sentTo(int i, String column, Class<T> type) {
        return data.jdbc()
            .sql("SELECT " + column + " FROM delivery_log WHERE recipient = :email")
            .param("email", email(i))
            .query(type)
            .single();
    }

    /** A port nothing listens on now, for a server a test starts. */
    public static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    public long count(String where) {
        return data.jdbc().sql("SELECT count(*) FROM evaluation WHERE " + where).query(Long.class).single();
    }

}
