package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.flowbatch.flow.ActionStatus;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.StatementCounter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.task.TaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN.md §4, no N+1: the SQL statements one chunk costs do not grow with the chunk. The same
 * reader, processor and writer run as one chunk of 50 and as one chunk of 500; the statements
 * sent by the partition thread are counted, not guessed.
 */
@FlowbatchTest
class ChunkStatementBudgetTest {

    @Autowired
    Fixtures fixture;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    JobOperator jobOperator;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    Buckets buckets;

    @Autowired
    TaskExecutor partitionExecutor;

    @Autowired
    Step buffer;

    @Autowired
    EvaluationReader evaluationReader;

    @Autowired
    EvaluationProcessor evaluationProcessor;

    @Autowired
    DeliveryWriter deliveryWriter;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void oneChunkCostsTheSameStatementsAtFiftyAndAtFiveHundred() throws Exception {
        List<String> fifty = statementsForOneChunkOf(50);
        List<String> fiveHundred = statementsForOneChunkOf(500);

        System.out.printf("Statements for one chunk: %d at chunk size 50, %d at chunk size 500%n  %s%n", fifty.size(),
                fiveHundred.size(), String.join("\n  ", fiveHundred));
        assertThat(fiveHundred).hasSameSizeAs(fifty);
        assertThat(fiveHundred).containsExactlyElementsOf(fifty);
        assertThat(fixture.smtp().received()).hasSize(550);
    }

    private List<String> statementsForOneChunkOf(int size) throws Exception {
        fixture.data().reset();
        long action = fixture.flow("Budget " + size, "Started Checkout", List.of("Placed Order"), ActionStatus.LIVE,
                "<p>[[${customer.firstName}]]</p>", "PT1H").get(0);
        fixture.customers(0, size);
        fixture.events("Started Checkout", 0, size, Instant.now().minus(Duration.ofHours(2)));

        StatementCounter.reset();
        JobExecution execution = jobOperator.start(job(size), new JobParametersBuilder()
            .addString("run", UUID.randomUUID().toString())
            .toJobParameters());

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("action_id = " + action + " AND state = 'SENT'")).isEqualTo(size);
        return StatementCounter.onThreads((thread) -> thread.startsWith("partition-"));
    }

    private Job job(int chunkSize) {
        Step chunkStep = new StepBuilder("executeAction", jobRepository)
            .<ClaimedEvaluation, Delivery>chunk(chunkSize)
            .reader(evaluationReader)
            .processor(evaluationProcessor)
            .listener(evaluationProcessor)
            .writer(deliveryWriter)
            .transactionManager(transactionManager)
            .build();
        Step execute = new StepBuilder("execute", jobRepository).partitioner("executeAction", new BucketPartitioner(buckets))
            .step(chunkStep)
            .taskExecutor(partitionExecutor)
            .build();
        return new JobBuilder("budget-" + chunkSize, jobRepository).start(buffer).next(execute).build();
    }

}
