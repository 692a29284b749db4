package io.flowbatch.execution;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Map;

import io.flowbatch.cluster.NodeIdentity;
import io.flowbatch.cluster.StepNodes;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The same scenarios with remote partitioning: each partition goes out as a StepExecutionRequest
 * through the PostgreSQL-backed channel and comes back in through this node's worker, which
 * LISTENs for it. What the channel adds must not change outcomes or the statements per chunk.
 */
@FlowbatchTest
@TestPropertySource(properties = { "flowbatch.execution.partitioning=remote",
        "spring.quartz.scheduler-name=flowbatch-remote-test" })
class RemoteMinuteJobTest extends MinuteJobScenarios {

    static final String QUEUED = "SELECT count(*) FROM int_channel_message";

    @Autowired
    StepNodes stepNodes;

    @Autowired
    NodeIdentity node;

    @Autowired
    @Qualifier("partitionRequests")
    MessageChannel partitionRequests;

    @Test
    void statementsDoNotGrowWithTheEvaluations() throws Exception {
        double perEvaluation = statementsPerEvaluation();

        System.out.printf("remote: %.3f SQL statements per evaluation (200 evaluations, one chunk)%n", perEvaluation);
        assertThat(perEvaluation).isLessThan(0.2);
    }

    @Test
    void everyPartitionRanThroughTheChannelOnARecordedNode() throws Exception {
        long first = fixture.checkoutFlow("First");
        fixture.dueCheckouts(0, 300);

        JobExecution run = fixture.runMinute();

        assertThat(run.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("action_id = " + first + " AND state = 'SENT'")).isEqualTo(300);
        Map<Long, String> nodes = stepNodes.ofJobExecution(run.getId());
        assertThat(run.getStepExecutions()).extracting(StepExecution::getStepName)
            .contains("buffer", "execute", "executeAction:action-" + first);
        assertThat(run.getStepExecutions()).allSatisfy((step) -> assertThat(nodes.get(step.getId()))
            .as("node of " + step.getStepName()).isEqualTo(node.id()));
        assertThat(fixture.data().jdbc().sql(QUEUED).query(Long.class).single()).as("requests left queued").isZero();
        assertThat(fixture.smtp().countByMessageId().values()).hasSize(300).allMatch((count) -> count == 1);
    }

    @Test
    void aRequestForAPartitionThatIsNoLongerWaitingIsDroppedUnrun() {
        JobParameters parameters = new JobParametersBuilder()
            .addLocalDateTime("fireTime", LocalDateTime.of(2033, 1, 1, 0, 0).plusNanos(System.nanoTime() % 1_000_000_000L))
            .toJobParameters();
        JobInstance instance = jobRepository.createJobInstance(FlowExecutionLauncher.JOB_NAME, parameters);
        JobExecution failedRun = jobRepository.createJobExecution(instance, parameters, new ExecutionContext());
        StepExecution partition = jobRepository.createStepExecution("executeAction:action-1", failedRun);
        partition.setStatus(BatchStatus.FAILED);
        jobRepository.update(partition);
        failedRun.setStatus(BatchStatus.FAILED);
        jobRepository.update(failedRun);

        partitionRequests.send(MessageBuilder
            .withPayload(new StepExecutionRequest(FlowExecutionJobConfiguration.PARTITION_STEP, partition.getId()))
            .build());

        await().atMost(Duration.ofSeconds(20))
            .until(() -> fixture.data().jdbc().sql(QUEUED).query(Long.class).single() == 0);
        StepExecution after = jobRepository.getStepExecution(partition.getId());
        assertThat(after.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(after.getVersion()).as("never touched").isEqualTo(partition.getVersion());
        assertThat(stepNodes.ofJobExecution(failedRun.getId())).as("no node took it").isEmpty();
    }

}
