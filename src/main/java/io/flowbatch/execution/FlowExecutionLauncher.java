package io.flowbatch.execution;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Starts {@code flowExecution}. A scheduled run is identified by its trigger's scheduled
 * fire time, so each minute is one JobInstance and a failed minute can be restarted; a
 * manual run by the time it was asked for.
 */
@Component
public class FlowExecutionLauncher implements DisposableBean {

    public static final String JOB_NAME = FlowExecutionJobConfiguration.JOB_NAME;

    static final String FIRE_TIME = "fireTime";

    static final String LAUNCHED_AT = "launchedAt";

    static final String LAUNCH_ID = "launchId";

    private final JobOperator jobOperator;

    private final Job job;

    private final Clock clock;

    private final ExecutorService manualLaunches = Executors
        .newCachedThreadPool((runnable) -> new Thread(runnable, "manual-launch"));

    /**
     * Executions running in this JVM, to be stopped at a chunk boundary when it shuts
     * down.
     */
    private final Set<JobExecution> running = ConcurrentHashMap.newKeySet();

    private final Map<String, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();

    private final Map<Long, CompletableFuture<Long>> pendingRestarts = new ConcurrentHashMap<>();

    FlowExecutionLauncher(JobOperator jobOperator, @Lazy Job flowExecution, Clock clock) {
        this.jobOperator = jobOperator;
        this.job = flowExecution;
        this.clock = clock;
    }

    /** Runs the minute that fired at {@code fireTime}, to completion. */
    public JobExecution runScheduled(Instant fireTime) throws Exception {
        JobParameters parameters = new JobParametersBuilder()
            .addLocalDateTime(FIRE_TIME, LocalDateTime.ofInstant(fireTime, ZoneOffset.UTC))
            .toJobParameters();
        return jobOperator.start(job, parameters);
    }

    /**
     * Starts a run now, outside the schedule, and returns its execution id once it has
     * begun.
     */
    public long launchNow() throws Exception {
        String launchId = UUID.randomUUID().toString();
        JobParameters parameters = new JobParametersBuilder()
            .addLocalDateTime(LAUNCHED_AT, LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
            .addString(LAUNCH_ID, launchId, true)
            .toJobParameters();
        return runInBackground(pending, launchId, () -> jobOperator.start(job, parameters));
    }

    /**
     * Restarts a failed or stopped execution in the background and returns the id of the
     * new execution once it has begun. Only what did not complete runs again.
     */
    public long restart(JobExecution failed) throws Exception {
        return runInBackground(pendingRestarts, failed.getJobInstanceId(), () -> jobOperator.restart(failed));
    }

    private <K> long runInBackground(Map<K, CompletableFuture<Long>> waiting, K key, Run run) throws Exception {
        CompletableFuture<Long> started = new CompletableFuture<>();
        if (waiting.putIfAbsent(key, started) != null) {
            throw new IllegalStateException("Already starting: " + key);
        }
        manualLaunches.submit(() -> {
            try {
                started.complete(run.execute().getId());
            }
            catch (Exception | Error ex) {
                started.completeExceptionally(ex);
            }
            finally {
                waiting.remove(key);
            }
        });
        try {
            return started.get(60, TimeUnit.SECONDS);
        }
        catch (ExecutionException ex) {
            throw (ex.getCause() instanceof Exception cause) ? cause : ex;
        }
        catch (TimeoutException ex) {
            throw new IllegalStateException("The job did not start within 60 s", ex);
        }
    }

    /** Runs started in this JVM that have not ended yet. */
    public int runningHere() {
        return running.size();
    }

    /** Called as a run ends. */
    void finished(JobExecution execution) {
        running.remove(execution);
    }

    /**
     * Shutdown begins: ask every run of this JVM to stop at the end of its chunk in
     * flight, so no message is cut off mid-send (it would become IN_DOUBT). The stopped
     * minutes can be restarted, and the next runs pick their work up anyway.
     */
    @EventListener(ContextClosedEvent.class)
    void stopRunning() {
        for (JobExecution execution : running) {
            try {
                jobOperator.stop(execution);
            }
            catch (Exception ex) {
                // Finished in the meantime.
            }
        }
    }

    /** Called as a run begins: answers the launch or restart waiting for it. */
    void started(JobExecution execution) {
        running.add(execution);
        String launchId = execution.getJobParameters().getString(LAUNCH_ID);
        CompletableFuture<Long> launched = (launchId != null) ? pending.get(launchId) : null;
        if (launched != null) {
            launched.complete(execution.getId());
        }
        CompletableFuture<Long> restarted = pendingRestarts.get(execution.getJobInstanceId());
        if (restarted != null) {
            restarted.complete(execution.getId());
        }
    }

    @FunctionalInterface
    private interface Run {

        JobExecution execute() throws Exception;

    }

    @Override
    public void destroy() throws InterruptedException {
        manualLaunches.shutdown();
        manualLaunches.awaitTermination(60, TimeUnit.SECONDS);
    }

}
