package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowCreated;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.intake.CustomerRequest;
import io.flowbatch.intake.EventRequest;
import io.flowbatch.intake.IntakeService;
import io.flowbatch.support.TestData;
import io.flowbatch.support.TestSmtpServer;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.data.redis.core.StringRedisTemplate;

/** Builds flows, customers and due evaluations for job tests, and runs the job. */
@TestConfiguration(proxyBeanMethods = false)
class JobFixture {

    private static final AtomicLong minutes = new AtomicLong();

    final FlowService flows;

    final IntakeService intake;

    final FlowExecutionLauncher launcher;

    final TestData data;

    final StringRedisTemplate redis;

    final TestSmtpServer smtp = TestSmtpServer.shared();

    JobFixture(FlowService flows, IntakeService intake, FlowExecutionLauncher launcher, TestData data,
            StringRedisTemplate redis) {
        this.flows = flows;
        this.intake = intake;
        this.launcher = launcher;
        this.data = data;
        this.redis = redis;
    }

    void reset() {
        data.reset();
        smtp.reset();
        Set<String> keys = redis.keys("flowbatch:*");
        if (keys != null && !keys.isEmpty()) {
            redis.delete(keys);
        }
    }

    /** A live flow with one email action per delay; returns the action ids in order. */
    List<Long> flow(String name, String trigger, List<String> exitMetrics, ActionStatus status, String html,
            String... delays) {
        List<FlowRequest.ActionRequest> actions = new ArrayList<>();
        for (String delay : delays) {
            actions.add(new FlowRequest.ActionRequest(Duration.parse(delay), status,
                    new FlowRequest.Email("Shop <shop@example.com>", "Hi [[${customer.firstName}]]", html,
                            "Hello [[${customer.firstName}]]")));
        }
        FlowCreated created = flows.create(new FlowRequest(name, new FlowRequest.Trigger(trigger), exitMetrics, null,
                actions));
        return created.actions().stream().map(FlowCreated.ActionId::id).toList();
    }

    void customers(int from, int to) {
        List<CustomerRequest> customers = new ArrayList<>();
        for (int i = from; i < to; i++) {
            customers.add(new CustomerRequest(email(i), "First" + i, "Last" + i, null, Map.of("n", i)));
        }
        intake.upsertCustomers(customers);
    }

    void events(String metric, int from, int to, Instant time) {
        List<EventRequest> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add(new EventRequest(email(i), metric, time, null,
                    Map.of("cartUrl", "https://shop.example.com/cart/" + i)));
        }
        intake.ingestEvents(events);
    }

    static String email(int i) {
        return "customer" + i + "@example.com";
    }

    /** Runs the job as the scheduler would, for a minute no other test used. */
    JobExecution runMinute() throws Exception {
        return launcher.runScheduled(Instant.parse("2030-01-01T00:00:00Z")
            .plusSeconds(60 * minutes.incrementAndGet())
            .plusNanos(System.nanoTime() % 1_000_000_000L));
    }

    long count(String where) {
        return data.jdbc().sql("SELECT count(*) FROM evaluation WHERE " + where).query(Long.class).single();
    }

}
