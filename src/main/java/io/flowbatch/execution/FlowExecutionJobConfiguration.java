package io.flowbatch.execution;

import java.time.Clock;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.delivery.MarketingSends;
import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.delivery.Relays;
import io.flowbatch.delivery.SendTally;
import io.flowbatch.delivery.TemplateSandbox;
import io.flowbatch.delivery.UnsubscribeLinks;
import io.flowbatch.evaluation.ClaimedEvaluation;
import io.flowbatch.evaluation.EvaluationCounts;
import io.flowbatch.evaluation.EvaluationStore;
import io.flowbatch.evaluation.FlowClosures;
import io.flowbatch.evaluation.StepRouting;
import io.flowbatch.webhook.WebhookSender;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.configuration.support.MapJobRegistry;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.support.TaskExecutorPartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The job {@code flowExecution}: recovery, then {@code buffer} (due rows to Redis
 * buckets), then {@code execute}, partitioned per action, each partition a chunk-oriented
 * step of {@code flowbatch.execution.chunk-size} evaluations.
 */
@Configuration(proxyBeanMethods = false)
public class FlowExecutionJobConfiguration {

    static final String JOB_NAME = "flowExecution";

    /**
     * The registry the JobOperator finds jobs in by name, to restart them. As a bean it
     * registers every Job bean of the context by itself.
     */
    @Bean
    MapJobRegistry jobRegistry() {
        return new MapJobRegistry();
    }

    @Bean
    Job flowExecution(JobRepository jobRepository, Step buffer, Step execute, JobExecutionListener recoveryBeforeJob,
            JobExecutionListener launchNotifier, JobExecutionListener failureSummary) {
        return new JobBuilder(JOB_NAME, jobRepository).listener(recoveryBeforeJob)
            .listener(launchNotifier)
            .listener(failureSummary)
            .start(buffer)
            .next(execute)
            .build();
    }

    /**
     * Recovery before every run, restarts included (the buffer step does not run again on
     * restart).
     */
    @Bean
    JobExecutionListener recoveryBeforeJob(Recovery recovery) {
        return new JobExecutionListener() {
            @Override
            public void beforeJob(org.springframework.batch.core.job.JobExecution jobExecution) {
                recovery.recover();
            }
        };
    }

    /**
     * A failed run says why in its own exit description, not only "a partition failed".
     */
    @Bean
    JobExecutionListener failureSummary() {
        return new FailureSummary();
    }

    @Bean
    JobExecutionListener launchNotifier(FlowExecutionLauncher launcher) {
        return new JobExecutionListener() {
            @Override
            public void beforeJob(org.springframework.batch.core.job.JobExecution jobExecution) {
                launcher.started(jobExecution);
            }

            @Override
            public void afterJob(org.springframework.batch.core.job.JobExecution jobExecution) {
                launcher.finished(jobExecution);
            }
        };
    }

    @Bean
    Step buffer(JobRepository jobRepository, PlatformTransactionManager transactionManager, EvaluationStore store,
            StepRouting routing, EvaluationCounts counts, FlowClosures closures, Buckets buckets,
            ExecutionProperties properties, Clock clock, StepNodes stepNodes) {
        return new StepBuilder(Partitions.BUFFER_STEP, jobRepository)
            .tasklet(new BufferTasklet(store, routing, counts, closures, buckets, properties.bufferPageSize(), clock),
                    transactionManager)
            .listener(stepNodes)
            .build();
    }

    /**
     * The manager of the action partitions. How partitions run is the handler's business:
     * threads of this JVM, or workers across the cluster
     * (RemotePartitioningConfiguration).
     */
    @Bean
    Step execute(JobRepository jobRepository, Buckets buckets, PartitionHandler executePartitions,
            PartitionSlots partitionSlots, ExecutionProperties properties, StepNodes stepNodes) {
        return new StepBuilder("execute", jobRepository)
            .partitioner(Partitions.PARTITION_STEP,
                    new BucketPartitioner(buckets, partitionSlots, properties.effectiveChunkSize()))
            .partitionHandler(executePartitions)
            .listener(stepNodes)
            .build();
    }

    /**
     * Local partitioning: the partitions run on this JVM's threads, so it has that many
     * slots.
     */
    @Bean
    @ConditionalOnProperty(name = "flowbatch.execution.partitioning", havingValue = "local", matchIfMissing = true)
    PartitionSlots localPartitionSlots(ExecutionProperties properties) {
        return properties::threads;
    }

    /**
     * Local partitioning: at most {@code flowbatch.execution.threads} partitions at once,
     * in this JVM.
     */
    @Bean
    @ConditionalOnProperty(name = "flowbatch.execution.partitioning", havingValue = "local", matchIfMissing = true)
    TaskExecutorPartitionHandler executePartitions(Step executeAction, TaskExecutor partitionExecutor,
            ExecutionProperties properties) {
        TaskExecutorPartitionHandler handler = new TaskExecutorPartitionHandler();
        handler.setStep(executeAction);
        handler.setTaskExecutor(partitionExecutor);
        handler.setGridSize(properties.threads());
        return handler;
    }

    @Bean
    Step executeAction(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            EvaluationReader evaluationReader, EvaluationProcessor evaluationProcessor, DeliveryWriter deliveryWriter,
            ExecutionProperties properties, StepNodes stepNodes, ClaimLeases claimLeases) {
        return new StepBuilder(Partitions.PARTITION_STEP, jobRepository)
            .<ClaimedEvaluation, Delivery>chunk(properties.effectiveChunkSize())
            .reader(evaluationReader)
            .processor(evaluationProcessor)
            .listener(evaluationProcessor)
            .writer(deliveryWriter)
            .listener((StepExecutionListener) stepNodes)
            // The lease is opened before the reader's first claim and released after the
            // last send.
            .listener((StepExecutionListener) claimLeases)
            // The chunk transaction carries the outcome write and the step's counts
            // together.
            .transactionManager(transactionManager)
            .build();
    }

    /**
     * A bounded pool: at most {@code flowbatch.execution.threads} actions execute at
     * once.
     */
    @Bean
    ThreadPoolTaskExecutor partitionExecutor(ExecutionProperties properties) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(properties.threads());
        executor.setMaxPoolSize(properties.threads());
        executor.setThreadNamePrefix("partition-");
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(60);
        return executor;
    }

    @Bean
    @StepScope
    ChunkOutcomes chunkOutcomes() {
        return new ChunkOutcomes();
    }

    @Bean
    @StepScope
    EvaluationReader evaluationReader(@Value("#{stepExecutionContext['actionId']}") long actionId,
            @Value("#{stepExecution.id}") long stepExecutionId, Buckets buckets, EvaluationStore store,
            ExecutionProperties properties, ClaimLeases claimLeases) {
        return new EvaluationReader(actionId, stepExecutionId, properties.effectiveChunkSize(), buckets, store,
                claimLeases.of(stepExecutionId));
    }

    @Bean
    @StepScope
    EvaluationProcessor evaluationProcessor(@Value("#{stepExecutionContext['actionId']}") long actionId,
            ChunkLoader loader, TemplateSandbox templates, MessageFactory messages, MarketingSends marketingSends,
            UnsubscribeLinks unsubscribeLinks, ChunkOutcomes chunkOutcomes, ExecutionProperties properties,
            JsonMapper json) {
        return new EvaluationProcessor(actionId, loader, templates, messages, marketingSends, unsubscribeLinks,
                chunkOutcomes, !properties.perItem(), json);
    }

    @Bean
    @StepScope
    DeliveryWriter deliveryWriter(@Value("#{stepExecutionContext['actionId']}") long actionId,
            @Value("#{stepExecution.id}") long stepExecutionId, EvaluationStore store, Buckets buckets, Relays relays,
            ChunkOutcomes chunkOutcomes, DeliveryProperties delivery, Clock clock, JobMetrics metrics,
            ClaimLeases claimLeases, MarketingSends marketingSends, SendTally tally, WebhookSender webhookSender) {
        return new DeliveryWriter(actionId, stepExecutionId, store, buckets, relays, chunkOutcomes, delivery, clock,
                metrics, claimLeases.of(stepExecutionId), marketingSends, tally, webhookSender);
    }

}
