package io.flowbatch.execution;

import io.flowbatch.evaluation.ClaimedEvaluation;
import io.flowbatch.evaluation.EvaluationStore;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.TaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The minute job rebuilt with another chunk size, from the application's own step-scoped
 * processor and writer and a reader whose page (one claim) is the job parameter
 * {@value #PAGE_SIZE_PARAMETER}: what the statement budget test runs at chunk sizes 50
 * and 500. The parameter is the benchmark's alone; the scheduled job's page is always its
 * chunk size.
 */
@TestConfiguration(proxyBeanMethods = false)
public class BenchmarkJobs {

    public static final String PAGE_SIZE_PARAMETER = "readerPageSize";

    private static final String PAGED_READER = "pagedEvaluationReader";

    private final JobRepository jobRepository;

    private final PlatformTransactionManager transactionManager;

    private final Buckets buckets;

    private final TaskExecutor partitionExecutor;

    private final Step buffer;

    private final BeanFactory beans;

    private final EvaluationProcessor processor;

    private final DeliveryWriter writer;

    private final ClaimLeases claimLeases;

    private final PartitionSlots slots;

    BenchmarkJobs(JobRepository jobRepository, PlatformTransactionManager transactionManager, Buckets buckets,
            TaskExecutor partitionExecutor, Step buffer, BeanFactory beans, EvaluationProcessor evaluationProcessor,
            DeliveryWriter deliveryWriter, ClaimLeases claimLeases, PartitionSlots slots) {
        this.jobRepository = jobRepository;
        this.transactionManager = transactionManager;
        this.buckets = buckets;
        this.partitionExecutor = partitionExecutor;
        this.buffer = buffer;
        this.beans = beans;
        this.processor = evaluationProcessor;
        this.writer = deliveryWriter;
        this.claimLeases = claimLeases;
        this.slots = slots;
    }

    public Job withChunkSize(int chunkSize) {
        Step chunkStep = new StepBuilder(Partitions.PARTITION_STEP, jobRepository)
            .<ClaimedEvaluation, Delivery>chunk(chunkSize)
            .reader(beans.getBean(PAGED_READER, EvaluationReader.class))
            .processor(processor)
            .listener(processor)
            .writer(writer)
            .listener((StepExecutionListener) claimLeases)
            .transactionManager(transactionManager)
            .build();
        Step execute = new StepBuilder("execute", jobRepository)
            .partitioner(Partitions.PARTITION_STEP, new BucketPartitioner(buckets, slots, chunkSize))
            .step(chunkStep)
            .taskExecutor(partitionExecutor)
            .build();
        return new JobBuilder("chunk-" + chunkSize, jobRepository).start(buffer).next(execute).build();
    }

    /**
     * Not a candidate for injection by type: the application's steps keep their own
     * reader.
     */
    @Bean(name = PAGED_READER, autowireCandidate = false)
    @StepScope
    static EvaluationReader pagedEvaluationReader(@Value("#{stepExecutionContext['actionId']}") long actionId,
            @Value("#{stepExecution.id}") long stepExecutionId,
            @Value("#{jobParameters['" + PAGE_SIZE_PARAMETER + "']}") long pageSize, Buckets buckets,
            EvaluationStore store, ClaimLeases claimLeases) {
        return new EvaluationReader(actionId, stepExecutionId, (int) pageSize, buckets, store,
                claimLeases.of(stepExecutionId));
    }

}
