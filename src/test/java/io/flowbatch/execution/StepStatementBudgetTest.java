package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.StatementCounter;
import io.flowbatch.support.TestWebhookServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * No N+1 for any step type: a graph with a delay, a split on properties and metrics, a
 * random split, an email step and a webhook step under a trigger filter and a profile
 * filter runs once for 50 customers and once for 500, as chunks of 50 and of 500. The
 * statements of the job's own thread (routing and buffering) and of its partitions are
 * counted: the same statements, the same number of times, at both sizes.
 */
@FlowbatchTest
class StepStatementBudgetTest {

    static final String GRAPH = """
            {"name": "Budget %d", "exitMetrics": ["Placed Order"],
             "trigger": {"metric": "Started Checkout",
                         "filter": {"property": "event.properties.cartValue", "op": "gte", "value": 10}},
             "profileFilter": {"all": [{"not": {"property": "customer.properties.segment", "op": "eq", "value": "wholesale"}},
                                       {"metric": "Unsubscribed From SMS", "done": false}]},
             "steps": [
               {"id": "wait", "type": "delay", "delay": "PT1H", "next": "vip"},
               {"id": "vip", "type": "split", "yes": "ab", "no": "ab",
                "condition": {"any": [{"property": "customer.properties.tier", "op": "in", "value": ["gold", "vip"]},
                                      {"metric": "Viewed", "atLeast": 2, "since": "P30D",
                                       "where": {"property": "event.properties.sku", "op": "exists"}},
                                      {"metric": "Placed Order", "since": "flowStart"}]}},
               {"id": "ab", "type": "random", "branches": [{"percent": 50, "next": "mailA"}, {"percent": 50, "next": "hook"}]},
               {"id": "mailA", "type": "email", "smartSending": false,
                "email": {"from": "Shop <shop@example.com>", "subject": "A", "html": "<p>[[${customer.firstName}]]</p>"}},
               {"id": "hook", "type": "webhook", "url": "%s",
                "body": "{\\"email\\": \\"[[${customer.email}]]\\"}"}
             ]}
            """;

    /** The first line of the statements that record a chunk's outcomes or a window's. */
    static final String WINDOW_WRITE = "WITH outcome AS (";

    /** Not a statement: where a run's count of webhook requests is kept. */
    static final String WEBHOOK_CALLS = "(webhook requests)";

    @Autowired
    Fixtures fixture;

    @Autowired
    MockMvc mvc;

    @Autowired
    JobOperator jobOperator;

    @Autowired
    BenchmarkJobs jobs;

    TestWebhookServer webhooks = new TestWebhookServer();

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @AfterEach
    void stop() {
        webhooks.close();
    }

    @Test
    void everyStepTypeCostsTheSameStatementsAtFiftyAndAtFiveHundred() throws Exception {
        Map<String, Long> fifty = statementsFor(50);
        Map<String, Long> fiveHundred = statementsFor(500);

        fiveHundred.forEach((sql, count) -> System.out.printf("  %3d x %s%n", count,
                sql.replaceAll("\\s+", " ").substring(0, Math.min(110, sql.replaceAll("\\s+", " ").length()))));
        // A webhook step's calls are recorded and the next window marked SENDING in one
        // statement a window of `concurrency` (8) calls, as email's are per connection
        // window: counted apart, bounded by the windows, never one per call.
        long allCalls = 0;
        for (Map<String, Long> run : List.of(fifty, fiveHundred)) {
            long calls = run.remove(WEBHOOK_CALLS);
            allCalls += calls;
            long windows = (calls + 7) / 8;
            long windowWrites = run.remove(WINDOW_WRITE);
            System.out.printf(
                    "Statements of a graph run: %d, besides %d outcome and window writes for %d webhook calls%n",
                    run.values().stream().mapToLong(Long::longValue).sum(), windowWrites, calls);
            assertThat(windowWrites).isBetween(windows, windows + 2);
        }
        assertThat(fiveHundred).isEqualTo(fifty);
        // One statement a page: three routing the steps that send nothing (the counter
        // keeps a statement's first line, which routing shares with buffering), and one
        // buffering each email step.
        assertThat(fiveHundred.entrySet()
            .stream()
            .filter((entry) -> entry.getKey().startsWith("WITH due AS"))
            .mapToLong(Map.Entry::getValue)
            .sum()).isEqualTo(3 + 2);
        assertThat(fixture.smtp().received().size() + allCalls).isEqualTo(550 - 55);
        assertThat(allCalls).isPositive();
    }

    /** The statements of one run for {@code size} customers, counted by their text. */
    private Map<String, Long> statementsFor(int size) throws Exception {
        fixture.data().reset();
        mvc.perform(postJson("/api/flows", GRAPH.formatted(size, webhooks.url("/hook"))))
            .andExpect(status().isCreated());
        fixture.customers(0, size);
        Instant started = Instant.now().minus(Duration.ofHours(2));
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            // One customer in ten has too small a cart and never enters the flow.
            events.add(Map.of("email", Fixtures.email(i), "metric", "Started Checkout", "time", started.toString(),
                    "uniqueId", "budget-" + size + "-" + i, "properties", Map.of("cartValue", (i % 10 == 0) ? 5 : 50)));
            if (i % 3 == 0) {
                events.add(Map.of("email", Fixtures.email(i), "metric", "Viewed", "properties", Map.of("sku", "A")));
            }
        }
        mvc.perform(postJson("/api/events", new tools.jackson.databind.json.JsonMapper().writeValueAsString(events)))
            .andExpect(status().isAccepted());

        String jobThread = Thread.currentThread().getName();
        StatementCounter.reset();
        JobExecution execution = jobOperator.start(jobs.withChunkSize(size),
                new JobParametersBuilder().addString("run", UUID.randomUUID().toString())
                    .addLong(BenchmarkJobs.PAGE_SIZE_PARAMETER, (long) size)
                    .toJobParameters());
        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(size - size / 10);

        Map<String, Long> counts = new TreeMap<>();
        StatementCounter.onThreads((thread) -> thread.equals(jobThread) || thread.startsWith("partition-"))
            .forEach((sql) -> counts.merge(sql, 1L, Long::sum));
        counts.put(WEBHOOK_CALLS, (long) webhooks.requests().size());
        webhooks.clear();
        return counts;
    }

}
