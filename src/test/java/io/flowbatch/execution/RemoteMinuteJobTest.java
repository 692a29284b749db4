package io.flowbatch.execution;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Map;

import io.flowbatch.cluster.NodeIdentity;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The same scenarios with remote partitioning: each partition goes out as a
 * StepExecutionRequest through the PostgreSQL-backed channel and comes back in through
 * this node's worker, which LISTENs for it. What the channel adds must not change
 * outcomes or the statements per chunk.
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
        assertThat(run.getStepExecutions()).allSatisfy(
                (step) -> assertThat(nodes.get(step.getId())).as("node of " + step.getStepName()).isEqualTo(node.id()));
        assertThat(fixture.data().jdbc().sql(QUEUED).query(Long.class).single()).as("requests left queued").isZero();
        assertThat(fixture.smtp().countByMessageId().values()).hasSize(300).allMatch((count) -> count == 1);
    }

    @Test
    void aRequestForAPartitionThatIsNoLongerWaitingIsDroppedUnrun() {
        StepExecution partition = partitionOfARun(BatchStatus.FAILED, BatchStatus.FAILED);

        request(partition);

        StepExecution after = jobRepository.getStepExecution(partition.getId());
        assertThat(after.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(after.getVersion()).as("never touched").isEqualTo(partition.getVersion());
        assertThat(stepNodes.ofJobExecution(partition.getJobExecutionId())).as("no node took it").isEmpty();
    }

    @Test
    void aPartitionOfARunAskedToStopBeforeItBeganEndsStoppedSoItsManagerDoesNotWait() {
        StepExecution partition = partitionOfARun(BatchStatus.STARTING, BatchStatus.STOPPING);

        request(partition);

        StepExecution after = jobRepository.getStepExecution(partition.getId());
        assertThat(after.getStatus()).isEqualTo(BatchStatus.STOPPED);
        assertThat(after.getExitStatus().getExitDescription()).contains("asked to stop before this partition started");
        assertThat(after.getReadCount()).isZero();
        assertThat(stepNodes.ofJobExecution(partition.getJobExecutionId())).as("no node ran it").isEmpty();
        // Its manager would now end the run STOPPED; this one has none.
        JobExecution run = jobRepository.getJobExecution(partition.getJobExecutionId());
        run.setStatus(BatchStatus.STOPPED);
        run.setEndTime(LocalDateTime.now());
        jobRepository.update(run);
    }

    @Test
    @Timeout(120)
    void anUnreadableRequestIsDroppedAndDoesNotBlockTheQueue() throws Exception {
        // What a request queued by an incompatible version looks like to this one: bytes
        // it cannot read.
        fixture.data()
            .jdbc()
            .sql("""
                    INSERT INTO int_channel_message (message_id, group_key, created_date, message_content, region)
                    SELECT gen_random_uuid()::text, group_key, 0, '\\x00c0ffee'::bytea, region
                    FROM (SELECT :group AS group_key, :region AS region) g
                    """)
            .param("group", org.springframework.integration.util.UUIDConverter.getUUID("partition-requests").toString())
            .param("region", "flowbatch")
            .update();
        long action = fixture.checkoutFlow("After the unreadable one");
        fixture.dueCheckouts(0, 10);

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("action_id = " + action + " AND state = 'SENT'")).isEqualTo(10);
        assertThat(fixture.data().jdbc().sql(QUEUED).query(Long.class).single()).as("the unreadable one too").isZero();
    }

    @Test
    void aPartitionRecordedHereThatThisWorkerDoesNotRunIsFailed() {
        // What a take whose commit reached PostgreSQL but whose answer never came back
        // leaves.
        StepExecution lost = partitionOfARun(BatchStatus.STARTED, BatchStatus.STARTED);
        fixture.data()
            .jdbc()
            .sql("""
                    INSERT INTO step_execution_node (step_execution_id, job_execution_id, node_id, recorded_at)
                    VALUES (:step, :job, :node, now() - interval '1 minute')
                    """)
            .param("step", lost.getId())
            .param("job", lost.getJobExecutionId())
            .param("node", node.id())
            .update();

        await().atMost(Duration.ofSeconds(30))
            .until(() -> jobRepository.getStepExecution(lost.getId()).getStatus() == BatchStatus.FAILED);
        assertThat(jobRepository.getStepExecution(lost.getId()).getExitStatus().getExitDescription())
            .contains("does not run it");
        JobExecution run = jobRepository.getJobExecution(lost.getJobExecutionId());
        run.setStatus(BatchStatus.FAILED);
        run.setEndTime(LocalDateTime.now());
        jobRepository.update(run);
    }

    /**
     * Sends the partition's request as a manager would, and waits until a worker took it
     * off the queue.
     */
    private void request(StepExecution partition) {
        partitionRequests
            .send(MessageBuilder.withPayload(new StepExecutionRequest(Partitions.PARTITION_STEP, partition.getId()))
                .build());
        await().atMost(Duration.ofSeconds(20))
            .until(() -> fixture.data().jdbc().sql(QUEUED).query(Long.class).single() == 0);
    }

    private StepExecution partitionOfARun(BatchStatus partitionStatus, BatchStatus runStatus) {
        JobExecution run = Runs.recorded(jobRepository, LocalDateTime.of(2033, 1, 1, 0, 0), runStatus);
        StepExecution partition = jobRepository.createStepExecution("executeAction:action-1", run);
        partition.setStatus(partitionStatus);
        jobRepository.update(partition);
        return partition;
    }

}
