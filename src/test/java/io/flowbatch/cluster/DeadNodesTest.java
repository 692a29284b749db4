package io.flowbatch.cluster;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.Runs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dead-node sweep on real step executions: a node that stopped beating loses its
 * partitions (FAILED, saying why) and its managed runs (stopped while partitions run on
 * live nodes, FAILED once none does); what live nodes run is never touched.
 */
@FlowbatchTest
class DeadNodesTest {

    static final String GHOST = "ghost-0badf00d";

    @Autowired
    DeadNodes deadNodes;

    @Autowired
    NodeRegistry registry;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    JobOperator jobOperator;

    private final List<JobExecution> created = new ArrayList<>();

    /** Nothing this test made up stays running for the tests after it. */
    @AfterEach
    void endWhatWasMadeUp() {
        for (JobExecution execution : created) {
            JobExecution current = jobRepository.getJobExecution(execution.getId());
            if (current.getStatus().isRunning()) {
                jobOperator.recover(current);
            }
        }
        jdbc.sql("DELETE FROM node WHERE id = :id").param("id", GHOST).update();
    }

    @BeforeEach
    void aNodeThatStoppedBeatingAMinuteAgo() {
        jdbc.sql("DELETE FROM node WHERE id = :id").param("id", GHOST).update();
        jdbc.sql("""
                INSERT INTO node (id, roles, host, pid, started_at, heartbeat_at)
                VALUES (:id, '{scheduler,worker}', 'gone', 1, now() - interval '1 hour', now() - interval '1 minute')
                """).param("id", GHOST).update();
    }

    @Test
    void partitionsOfADeadNodeFailAndThoseOfLiveNodesRunOn() {
        JobExecution run = running(LocalDateTime.of(2032, 1, 1, 0, 0));
        StepExecution manager = step(run, "execute", self());
        StepExecution onGhost = step(run, "executeAction:action-1", GHOST);
        StepExecution onSelf = step(run, "executeAction:action-2", self());

        // Each node's heartbeat sweeps too: this one may find the partition already
        // failed.
        deadNodes.sweep();

        StepExecution failed = jobRepository.getStepExecution(onGhost.getId());
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(failed.getEndTime()).isNotNull();
        assertThat(failed.getExitStatus().getExitDescription())
            .contains("node " + GHOST + " stopped sending heartbeats");
        assertThat(jobRepository.getStepExecution(onSelf.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        assertThat(jobRepository.getStepExecution(manager.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        assertThat(jobRepository.getJobExecution(run.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        assertThat(deadNodes.sweep().partitionsFailed()).as("a second sweep finds nothing new").isZero();
    }

    /**
     * After a database outage during which its heartbeat's call hung, a node's last beat
     * is old when it sweeps: it must not take its own partitions, which are running, for
     * a dead node's.
     */
    @Test
    void aNodeNeverTakesItselfForDead() {
        JobExecution run = running(LocalDateTime.of(2032, 1, 1, 0, 5));
        StepExecution manager = step(run, "execute", self());
        StepExecution onSelf = step(run, "executeAction:action-7", self());
        jdbc.sql("UPDATE node SET heartbeat_at = now() - interval '1 hour' WHERE id = :id")
            .param("id", self())
            .update();
        try {
            deadNodes.sweep();
        }
        finally {
            jdbc.sql("UPDATE node SET heartbeat_at = now() WHERE id = :id").param("id", self()).update();
        }

        assertThat(jobRepository.getStepExecution(onSelf.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        assertThat(jobRepository.getStepExecution(manager.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        assertThat(jobRepository.getJobExecution(run.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
    }

    /**
     * A node back from a database outage longer than dead-after starts a run before its
     * next beat: the steps it has just recorded are its sign of life.
     */
    @Test
    void stepsANodeRecordedWithinDeadAfterAreNotTakenForADeadNodes() {
        JobExecution run = running(LocalDateTime.of(2032, 1, 1, 0, 6));
        StepExecution manager = step(run, "execute", GHOST, Duration.ZERO);
        StepExecution partition = step(run, "executeAction:action-8", GHOST, Duration.ZERO);

        deadNodes.sweep();

        assertThat(jobRepository.getStepExecution(partition.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        assertThat(jobRepository.getStepExecution(manager.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
        assertThat(jobRepository.getJobExecution(run.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);
    }

    @Test
    void aRunWhoseManagerDiedStopsItsLivePartitionsThenFails() {
        JobExecution run = running(LocalDateTime.of(2032, 1, 1, 0, 1));
        step(run, "execute", GHOST);
        StepExecution onSelf = step(run, "executeAction:action-3", self());

        deadNodes.sweep();

        assertThat(jobRepository.getJobExecution(run.getId()).getStatus()).as("asked to stop at a chunk boundary")
            .isEqualTo(BatchStatus.STOPPING);
        assertThat(jobRepository.getStepExecution(onSelf.getId()).getStatus()).isEqualTo(BatchStatus.STARTED);

        // The live partition noticed the stop and ended.
        StepExecution stopped = jobRepository.getStepExecution(onSelf.getId());
        stopped.setStatus(BatchStatus.STOPPED);
        stopped.setEndTime(LocalDateTime.now());
        jobRepository.update(stopped);
        deadNodes.sweep();

        JobExecution failed = jobRepository.getJobExecution(run.getId());
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(failed.getExitStatus().getExitCode()).isEqualTo("FAILED");
        assertThat(failed.getExitStatus().getExitDescription()).contains("node " + GHOST + ", which managed this run");
        assertThat(failed.getStepExecutions()).noneMatch((step) -> step.getStatus().isRunning());
    }

    @Test
    void partitionsNoWorkerTookEndWhenTheirRunStoppedWaiting() {
        JobExecution stopping = running(LocalDateTime.of(2032, 1, 1, 0, 2));
        StepExecution queuedForStopping = queued(stopping, "executeAction:action-4");
        stopping.setStatus(BatchStatus.STOPPING);
        jobRepository.update(stopping);
        JobExecution timedOut = running(LocalDateTime.of(2032, 1, 1, 0, 3));
        StepExecution queuedForFailed = queued(timedOut, "executeAction:action-5");
        timedOut.setStatus(BatchStatus.FAILED);
        timedOut.setEndTime(LocalDateTime.now());
        jobRepository.update(timedOut);
        JobExecution waiting = running(LocalDateTime.of(2032, 1, 1, 0, 4));
        StepExecution queuedForRunning = queued(waiting, "executeAction:action-6");

        deadNodes.sweep();

        StepExecution stopped = jobRepository.getStepExecution(queuedForStopping.getId());
        assertThat(stopped.getStatus()).as("its manager waits for it to end").isEqualTo(BatchStatus.STOPPED);
        assertThat(stopped.getExitStatus().getExitDescription())
            .contains("asked to stop before this partition started");
        StepExecution failed = jobRepository.getStepExecution(queuedForFailed.getId());
        assertThat(failed.getStatus()).as("restartable: Spring Batch refuses a step left STARTING")
            .isEqualTo(BatchStatus.FAILED);
        assertThat(failed.getExitStatus().getExitDescription()).contains("ended before a worker took this partition");
        assertThat(jobRepository.getStepExecution(queuedForRunning.getId()).getStatus()).as("still waited for")
            .isEqualTo(BatchStatus.STARTING);
    }

    @Test
    void theRegistryListsThisNodeAliveWithItsRolesAndTheDeadOneAsDead() {
        assertThat(registry.nodes()).anySatisfy((node) -> {
            assertThat(node.id()).isEqualTo(self());
            assertThat(node.alive()).isTrue();
            assertThat(node.roles()).containsExactlyInAnyOrder("scheduler", "worker");
            assertThat(node.pid()).isEqualTo(ProcessHandle.current().pid());
        }).anySatisfy((node) -> {
            assertThat(node.id()).isEqualTo(GHOST);
            assertThat(node.alive()).isFalse();
        });
    }

    private String self() {
        return registry.self().id();
    }

    private JobExecution running(LocalDateTime minute) {
        JobExecution execution = Runs.recorded(jobRepository, minute, BatchStatus.STARTED);
        created.add(execution);
        return execution;
    }

    /** A partition whose request sits in the queue: STARTING, no node recorded. */
    private StepExecution queued(JobExecution run, String name) {
        return jobRepository.createStepExecution(name, run);
    }

    /** A running step, recorded for its node a minute ago: longer than dead-after. */
    private StepExecution step(JobExecution run, String name, String node) {
        return step(run, name, node, Duration.ofMinutes(1));
    }

    private StepExecution step(JobExecution run, String name, String node, Duration recordedAgo) {
        StepExecution step = jobRepository.createStepExecution(name, run);
        step.setStatus(BatchStatus.STARTED);
        step.setStartTime(LocalDateTime.now());
        jobRepository.update(step);
        jdbc.sql("""
                INSERT INTO step_execution_node (step_execution_id, job_execution_id, node_id, recorded_at)
                VALUES (:s, :j, :n, now() - make_interval(secs => :ago))
                """)
            .param("s", step.getId())
            .param("j", run.getId())
            .param("n", node)
            .param("ago", recordedAgo.toSeconds())
            .update();
        return step;
    }

}
