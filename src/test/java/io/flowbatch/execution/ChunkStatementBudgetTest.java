package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.OnCap;
import io.flowbatch.flow.SendDay;
import io.flowbatch.flow.SendWindow;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.StatementCounter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No N+1: the SQL statements one chunk costs do not grow with the chunk. The same reader,
 * processor and writer run as one chunk of 50 and as one chunk of 500; the statements
 * sent by the partition thread are counted, not guessed, with every delivery control on.
 */
@FlowbatchTest
class ChunkStatementBudgetTest {

    @Autowired
    Fixtures fixture;

    @Autowired
    JobOperator jobOperator;

    @Autowired
    BenchmarkJobs jobs;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Autowired
    DeliveryProperties delivery;

    private List<String> groupWrites = List.of();

    @Test
    void oneChunkCostsTheSameStatementsAtFiftyAndAtFiveHundred() throws Exception {
        List<String> fifty = statementsForOneChunkOf(50);
        List<String> fiveHundred = statementsForOneChunkOf(500);

        // While the chunk sends, each connection marks its next window SENDING and
        // records the one before in one statement: one a window, never one per message.
        int windows = (500 + delivery.inFlightWindow() - 1) / delivery.inFlightWindow() + delivery.smtpConnections();
        System.out.printf("Group writes for one chunk of 500: %d (at most %d)%n", groupWrites.size(), windows);
        assertThat(groupWrites).isNotEmpty().hasSizeLessThanOrEqualTo(windows);
        assertThat(groupWrites)
            .allMatch((sql) -> sql.contains("SET state = 'SENDING'") || sql.contains("WITH outcome"));

        System.out.printf("Statements for one chunk: %d at chunk size 50, %d at chunk size 500%n  %s%n", fifty.size(),
                fiveHundred.size(), String.join("\n  ", fiveHundred));
        assertThat(fiveHundred).hasSameSizeAs(fifty);
        assertThat(fiveHundred).containsExactlyElementsOf(fifty);
        assertThat(fixture.smtp().received()).hasSize(550);
    }

    private List<String> statementsForOneChunkOf(int size) throws Exception {
        fixture.data().reset();
        // Every control on: smart sending, deferring at the frequency cap of the test
        // profile, and a send window open now (customers without a zone: UTC).
        LocalTime utcNow = LocalTime.now(ZoneOffset.UTC);
        SendWindow openNow = new SendWindow(Arrays.asList(SendDay.values()), utcNow.minusHours(3), utcNow.plusHours(3));
        long action = fixture.flows()
            .create(new FlowRequest("Budget " + size, new FlowRequest.Trigger("Started Checkout"),
                    List.of("Placed Order"), null,
                    List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                            new FlowRequest.Email("Shop <shop@example.com>", "Hi [[${customer.firstName}]]",
                                    "<p>[[${customer.firstName}]]</p>", "Hello"),
                            ActionKind.MARKETING, true, OnCap.DEFER, openNow, null))))
            .actions()
            .get(0)
            .id();
        fixture.customers(0, size);
        fixture.events("Started Checkout", 0, size, Instant.now().minus(Duration.ofHours(2)));

        StatementCounter.reset();
        JobExecution execution = jobOperator.start(jobs.withChunkSize(size),
                new JobParametersBuilder().addString("run", UUID.randomUUID().toString())
                    .addLong(BenchmarkJobs.PAGE_SIZE_PARAMETER, (long) size)
                    .toJobParameters());

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("action_id = " + action + " AND state = 'SENT'")).isEqualTo(size);
        groupWrites = StatementCounter.onThreads((thread) -> thread.startsWith("smtp-sender"));
        return StatementCounter.onThreads((thread) -> thread.startsWith("partition-"));
    }

}
