package io.flowbatch.cluster;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.flowbatch.execution.StepNodes;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.StepLocator;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.serializer.support.SerializationFailedException;
import org.springframework.core.task.TaskExecutor;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.integration.jdbc.channel.PostgresChannelMessageTableSubscriber;
import org.springframework.messaging.Message;
import org.springframework.messaging.PollableChannel;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The worker side of remote partitioning: takes {@link StepExecutionRequest}s off the
 * PostgreSQL-backed channel and runs the partition steps they name.
 * <p>
 * A request is taken only when one of {@code flowbatch.execution.threads} is free, so
 * partitions spread over the workers that have room instead of queueing behind a busy
 * one. It is taken in the transaction that also records this node as the partition's
 * runner: either both happen or the request stays queued for another worker, and a worker
 * that dies after taking one is found by the dead-node sweep. A request whose partition
 * is no longer waiting (its run failed, was stopped, or was recovered while the request
 * sat in the queue) is dropped.
 * <p>
 * Idle, the worker sleeps until PostgreSQL notifies an insert into the queue table, with
 * a slow poll behind it in case a notification was missed while the listening connection
 * reconnected.
 * <p>
 * Stopping drains: no new request is taken, partitions in flight get
 * {@code flowbatch.node.drain-timeout} to finish, and are then stopped at their next
 * chunk boundary (their run ends STOPPED and can be restarted).
 */
class PartitionWorker implements SmartLifecycle, PostgresChannelMessageTableSubscriber.Subscription {

    static final Duration FALLBACK_POLL = Duration.ofSeconds(5);

    /**
     * How long after it was taken a partition must be running here, before its absence
     * means it was lost.
     */
    static final Duration LOST_AFTER = Duration.ofSeconds(30);

    static final String LOST = "node %s was recorded as running this partition but does not run it; "
            + "a restart runs it again";

    private static final Duration FAILURE_PAUSE = Duration.ofSeconds(2);

    private static final Log logger = LogFactory.getLog(PartitionWorker.class);

    private final PollableChannel requests;

    private final PostgresChannelMessageTableSubscriber notifications;

    private final TransactionTemplate transaction;

    private final JobRepository jobRepository;

    private final StepLocator steps;

    private final StepNodes stepNodes;

    private final PartitionEnds partitionEnds;

    private final TaskExecutor executor;

    private final int threads;

    private final Duration drainTimeout;

    private final Semaphore freeThreads;

    private final Semaphore wake = new Semaphore(0);

    private final Set<StepExecution> running = ConcurrentHashMap.newKeySet();

    private volatile boolean active;

    private Thread taker;

    private final boolean worker;

    PartitionWorker(PollableChannel requests, PostgresChannelMessageTableSubscriber notifications,
            TransactionTemplate transaction, JobRepository jobRepository, StepLocator steps, StepNodes stepNodes,
            PartitionEnds partitionEnds, TaskExecutor executor, int threads, NodeIdentity node, Duration drainTimeout) {
        this.requests = requests;
        this.worker = node.worker();
        this.notifications = notifications;
        this.transaction = transaction;
        this.jobRepository = jobRepository;
        this.steps = steps;
        this.stepNodes = stepNodes;
        this.partitionEnds = partitionEnds;
        this.executor = executor;
        this.threads = threads;
        this.drainTimeout = drainTimeout;
        this.freeThreads = new Semaphore(threads);
    }

    @Override
    public void notifyUpdate() {
        wake.release();
    }

    @Override
    public String getRegion() {
        return RemotePartitioningConfiguration.REGION;
    }

    @Override
    public Object getGroupId() {
        return RemotePartitioningConfiguration.REQUESTS;
    }

    /** Only a node with the worker role takes partitions. */
    @Override
    public boolean isAutoStartup() {
        return worker;
    }

    /**
     * Starts listening (the subscriber is this worker's own: a node without the role
     * holds no LISTEN connection).
     */
    @Override
    public void start() {
        active = true;
        notifications.subscribe(this);
        notifications.start();
        // Not named partition-*: the statement budget tests count the chunk work of
        // partition threads.
        taker = new Thread(this::takeRequests, "request-taker");
        taker.setDaemon(true);
        taker.start();
    }

    private void takeRequests() {
        while (active) {
            try {
                freeThreads.acquire();
                // Notifications arriving from here on wake the wait below, even before it
                // begins.
                wake.drainPermits();
                Taken taken = active ? take() : Taken.NOTHING;
                if (taken.kind() == Taken.Kind.PARTITION) {
                    run(taken.stepName(), taken.step());
                    continue;
                }
                freeThreads.release();
                if (taken.kind() == Taken.Kind.NOTHING) {
                    failLostPartitions();
                    wake.tryAcquire(FALLBACK_POLL.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            catch (RuntimeException ex) {
                freeThreads.release();
                logger.warn("Could not take a partition request: " + ex.getMessage());
                pause();
            }
        }
    }

    /** Takes one request and records this node as its runner, in one transaction. */
    private Taken take() {
        return transaction.execute((status) -> {
            Message<?> message;
            try {
                message = requests.receive(0);
            }
            catch (RuntimeException ex) {
                if (!unreadable(ex)) {
                    throw ex;
                }
                // Its row is deleted in this transaction: committing drops it. Left in
                // place it would
                // head the queue forever (say, a request queued by a version that
                // serialised it otherwise).
                logger.error("Dropped a partition request that cannot be read; its run waits until its partitions "
                        + "time out, or can be stopped and restarted", ex);
                return Taken.DROPPED;
            }
            if (message == null) {
                return Taken.NOTHING;
            }
            if (!(message.getPayload() instanceof StepExecutionRequest request)) {
                logger.error("Dropped a message that is not a StepExecutionRequest: " + message);
                return Taken.DROPPED;
            }
            StepExecution step = stepExecution(request.getStepExecutionId());
            if (step != null && partitionEnds.endIfAbandoned(step)) {
                logger.info("Partition " + step.getStepName() + " of execution " + step.getJobExecutionId() + " ended "
                        + step.getStatus() + " without running: " + step.getExitStatus().getExitDescription());
                return Taken.DROPPED;
            }
            if (step == null || step.getStatus() != BatchStatus.STARTING
                    || step.getJobExecution().getStatus() != BatchStatus.STARTED) {
                logger.info("Dropped " + request + ": the partition is no longer waiting ("
                        + ((step != null) ? "step " + step.getStatus() + ", run " + step.getJobExecution().getStatus()
                                : "no such step execution")
                        + ")");
                return Taken.DROPPED;
            }
            if (!stepNodes.record(step)) {
                return Taken.DROPPED;
            }
            return new Taken(Taken.Kind.PARTITION, request.getStepName(), step);
        });
    }

    /**
     * Partitions the database says run here but this worker does not run: a take whose
     * commit reached PostgreSQL though its answer did not, a task the executor refused, a
     * step whose last update failed. The dead-node sweep never sees them (this node
     * beats), so without this their manager would wait until its timeout.
     */
    private void failLostPartitions() {
        Set<Long> runningHere = new java.util.HashSet<>();
        running.forEach((step) -> runningHere.add(step.getId()));
        try {
            for (long id : stepNodes.runningPartitionsHere(LOST_AFTER)) {
                if (!runningHere.contains(id)) {
                    partitionEnds.fail(id, LOST.formatted(stepNodes.node()));
                }
            }
        }
        catch (RuntimeException ex) {
            // Caught here: the taker's own handler would give back a thread this check
            // never took.
            logger.warn("Could not look for lost partitions: " + ex.getMessage());
        }
    }

    private static boolean unreadable(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof SerializationFailedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The step execution, or null when there is none (Batch 6 throws for an unknown id).
     */
    private StepExecution stepExecution(long id) {
        try {
            return jobRepository.getStepExecution(id);
        }
        catch (EmptyResultDataAccessException ex) {
            return null;
        }
    }

    /**
     * Runs the partition as Spring Batch's {@code StepExecutionRequestHandler} would, but
     * keeps the StepExecution at hand: stopping it at a chunk boundary on drain needs
     * that very object.
     */
    private void run(String stepName, StepExecution stepExecution) {
        running.add(stepExecution);
        try {
            executor.execute(() -> {
                try {
                    steps.getStep(stepName).execute(stepExecution);
                }
                catch (JobInterruptedException ex) {
                    // Stopped at a chunk boundary: the step recorded itself STOPPED.
                }
                catch (Exception | Error ex) {
                    // A step records its own failures; this is a failure before it could
                    // start.
                    logger.error("Partition " + stepExecution.getStepName() + " could not run", ex);
                    partitionEnds.fail(stepExecution.getId(), "could not run: " + ex);
                }
                finally {
                    running.remove(stepExecution);
                    freeThreads.release();
                }
            });
        }
        catch (RuntimeException ex) {
            // Refused (the executor is shutting down): end it here rather than leave it
            // to the lost-partition check.
            running.remove(stepExecution);
            freeThreads.release();
            partitionEnds.fail(stepExecution.getId(), "the worker could not start it: " + ex.getMessage());
        }
    }

    private void pause() {
        try {
            Thread.sleep(FAILURE_PAUSE.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        active = false;
        notifications.unsubscribe(this);
        notifications.stop();
        wake.release();
        if (taker != null) {
            taker.interrupt();
        }
        if (!drained(drainTimeout)) {
            logger.warn(running.size() + " partitions still running after " + drainTimeout
                    + "; stopping them at their next chunk boundary");
            running.forEach(StepExecution::setTerminateOnly);
            drained(drainTimeout);
        }
    }

    /** Waits until no partition runs here, or the time is up. */
    private boolean drained(Duration timeout) {
        try {
            if (freeThreads.tryAcquire(threads, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                freeThreads.release(threads);
                return true;
            }
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean isRunning() {
        return active;
    }

    @Override
    public int getPhase() {
        return ClusterPhases.WORKER;
    }

    /**
     * What one attempt to take a request found: a partition to run, nothing queued, or a
     * request dropped.
     */
    private record Taken(Kind kind, String stepName, StepExecution step) {

        static final Taken NOTHING = new Taken(Kind.NOTHING, null, null);

        static final Taken DROPPED = new Taken(Kind.DROPPED, null, null);

        enum Kind {

            PARTITION, NOTHING, DROPPED

        }

    }

}
