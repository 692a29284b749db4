package io.flowbatch.execution;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
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
import org.springframework.stereotype.Component;

/**
 * Starts {@code flowExecution}. A scheduled run is identified by its trigger's scheduled fire
 * time, so each minute is one JobInstance and a failed minute can be restarted; a manual run
 * by the time it was asked for.
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

    private final ExecutorService manualLaunches = Executors.newSingleThreadExecutor((runnable) -> {
        Thread thread = new Thread(runnable, "manual-launch");
        thread.setDaemon(true);
        return thread;
    });

    private final Map<String, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();

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

    /** Starts a run now, outside the schedule, and returns its execution id once it has begun. */
    public long launchNow() throws Exception {
        String launchId = UUID.randomUUID().toString();
        JobParameters parameters = new JobParametersBuilder()
            .addLocalDateTime(LAUNCHED_AT, LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
            .addString(LAUNCH_ID, launchId, true)
            .toJobParameters();
        CompletableFuture<Long> started = new CompletableFuture<>();
        pending.put(launchId, started);
        manualLaunches.submit(() -> {
            try {
                JobExecution execution = jobOperator.start(job, parameters);
                started.complete(execution.getId());
            }
            catch (Exception | Error ex) {
                started.completeExceptionally(ex);
            }
            finally {
                pending.remove(launchId);
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

    /** Called as a run begins: answers the manual launch waiting for it. */
    void started(JobExecution execution) {
        String launchId = execution.getJobParameters().getString(LAUNCH_ID);
        if (launchId != null) {
            CompletableFuture<Long> started = pending.get(launchId);
            if (started != null) {
                started.complete(execution.getId());
            }
        }
    }

    @Override
    public void destroy() {
        manualLaunches.shutdown();
    }

}
