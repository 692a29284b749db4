package io.flowbatch.execution;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.core.task.TaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The minute job rebuilt with another chunk size, from the application's own step-scoped reader,
 * processor and writer: what the statement budget test runs at chunk sizes 50 and 500.
 */
@TestConfiguration(proxyBeanMethods = false)
public class BenchmarkJobs {

    private final JobRepository jobRepository;

    private final PlatformTransactionManager transactionManager;

    private final Buckets buckets;

    private final TaskExecutor partitionExecutor;

    private final Step buffer;

    private final EvaluationReader reader;

    private final EvaluationProcessor processor;

    private final DeliveryWriter writer;

    private final ClaimLeases claimLeases;

    BenchmarkJobs(JobRepository jobRepository, PlatformTransactionManager transactionManager, Buckets buckets,
            TaskExecutor partitionExecutor, Step buffer, EvaluationReader evaluationReader,
            EvaluationProcessor evaluationProcessor, DeliveryWriter deliveryWriter, ClaimLeases claimLeases) {
        this.jobRepository = jobRepository;
        this.transactionManager = transactionManager;
        this.buckets = buckets;
        this.partitionExecutor = partitionExecutor;
        this.buffer = buffer;
        this.reader = evaluationReader;
        this.processor = evaluationProcessor;
        this.writer = deliveryWriter;
        this.claimLeases = claimLeases;
    }

    public Job withChunkSize(int chunkSize) {
        Step chunkStep = new StepBuilder("executeAction", jobRepository).<ClaimedEvaluation, Delivery>chunk(chunkSize)
            .reader(reader)
            .processor(processor)
            .listener(processor)
            .writer(writer)
            .listener((StepExecutionListener) claimLeases)
            .transactionManager(transactionManager)
            .build();
        Step execute = new StepBuilder("execute", jobRepository).partitioner("executeAction", new BucketPartitioner(buckets))
            .step(chunkStep)
            .taskExecutor(partitionExecutor)
            .build();
        return new JobBuilder("chunk-" + chunkSize, jobRepository).start(buffer).next(execute).build();
    }

}
