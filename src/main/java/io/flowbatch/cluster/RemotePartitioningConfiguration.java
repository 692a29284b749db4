package io.flowbatch.cluster;

import javax.sql.DataSource;

import io.flowbatch.execution.ExecutionProperties;
import io.flowbatch.execution.PartitionSlots;
import io.flowbatch.execution.Partitions;
import io.flowbatch.execution.StepNodes;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.integration.partition.BeanFactoryStepLocator;
import org.springframework.batch.integration.partition.MessageChannelPartitionHandler;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskExecutor;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.integration.jdbc.channel.PostgresChannelMessageTableSubscriber;
import org.springframework.integration.jdbc.store.JdbcChannelMessageStore;
import org.springframework.integration.jdbc.store.channel.PostgresChannelMessageStoreQueryProvider;
import org.springframework.integration.store.MessageGroupQueue;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code flowbatch.execution.partitioning=remote}: the execute step becomes a manager
 * that sends one Spring Batch {@link StepExecutionRequest} per action through a Spring
 * Integration channel stored in PostgreSQL, and learns that partitions ended by polling
 * the shared JobRepository. Workers on every node with the worker role take the requests
 * ({@link PartitionWorker}).
 * <p>
 * Why this transport (README, "Running more than one instance"): PostgreSQL is already
 * shared by every node, so nothing new is run; a queued request survives any restart;
 * {@code FOR UPDATE
 * SKIP LOCKED} hands each to exactly one worker; LISTEN/NOTIFY wakes idle workers at
 * once. The requests need no stronger delivery than that: the JobRepository, not the
 * channel, is what makes each partition run once and tells the manager how it ended.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "flowbatch.execution.partitioning", havingValue = ExecutionProperties.REMOTE)
class RemotePartitioningConfiguration {

    /** The region and group of the requests in {@code int_channel_message}. */
    static final String REGION = "flowbatch";

    static final String REQUESTS = "partition-requests";

    /** The step that runs one partition, as the requests name it. */
    static final String WORKER_STEP = Partitions.PARTITION_STEP;

    /**
     * Remote partitioning: every live worker node runs
     * {@code flowbatch.execution.threads} partitions at once (each its own setting; this
     * node's stands for all), so a deep bucket is split over all of them.
     */
    @Bean
    PartitionSlots remotePartitionSlots(NodeRegistry nodes, ExecutionProperties execution) {
        return () -> (int) Math.max(1, nodes.liveWorkers()) * execution.threads();
    }

    @Bean
    JdbcChannelMessageStore partitionRequestStore(DataSource dataSource) {
        JdbcChannelMessageStore store = new JdbcChannelMessageStore(dataSource);
        store.setChannelMessageStoreQueryProvider(new PostgresChannelMessageStoreQueryProvider());
        store.setRegion(REGION);
        // Requests are Java-serialised; only what a request message holds may be read
        // back.
        store.addAllowedPatterns(StepExecutionRequest.class.getName(), "org.springframework.messaging.*",
                "org.springframework.integration.support.*", "java.util.*", "java.lang.*");
        return store;
    }

    @Bean
    QueueChannel partitionRequests(JdbcChannelMessageStore partitionRequestStore) {
        return new QueueChannel(new MessageGroupQueue(partitionRequestStore, REQUESTS));
    }

    @Bean
    MessageChannelPartitionHandler executePartitions(QueueChannel partitionRequests, JobRepository jobRepository,
            ExecutionProperties properties) {
        MessageChannelPartitionHandler handler = new MessageChannelPartitionHandler();
        handler.setStepName(WORKER_STEP);
        handler.setMessagingOperations(new MessagingTemplate(partitionRequests));
        // Polling the JobRepository (no reply channel): a manager that restarts, or a
        // reply lost
        // with a dead worker, cannot leave it waiting for an answer that will never come.
        handler.setJobRepository(jobRepository);
        handler.setPollInterval(properties.partitionPollInterval().toMillis());
        handler.setTimeout(properties.partitionTimeout().toMillis());
        handler.setGridSize(properties.threads());
        return handler;
    }

    /**
     * Not a bean: the worker starts and stops it, so a node without the worker role holds
     * no LISTEN connection.
     */
    private static PostgresChannelMessageTableSubscriber notifications(DataSourceProperties dataSource) {
        return new PostgresChannelMessageTableSubscriber(new ListenConnections(dataSource));
    }

    @Bean
    BeanFactoryStepLocator stepLocator() {
        return new BeanFactoryStepLocator();
    }

    @Bean
    PartitionWorker partitionWorker(QueueChannel partitionRequests, DataSourceProperties dataSource,
            PlatformTransactionManager transactionManager, JobRepository jobRepository,
            BeanFactoryStepLocator stepLocator, StepNodes stepNodes, PartitionEnds partitionEnds,
            TaskExecutor partitionExecutor, ExecutionProperties execution, NodeIdentity node, NodeProperties nodes) {
        return new PartitionWorker(partitionRequests, notifications(dataSource),
                new TransactionTemplate(transactionManager), jobRepository, stepLocator, stepNodes, partitionEnds,
                partitionExecutor, execution.threads(), node, nodes.drainTimeout());
    }

}
