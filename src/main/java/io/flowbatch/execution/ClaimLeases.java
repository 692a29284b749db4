package io.flowbatch.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.flowbatch.delivery.Relays;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The claim leases of the partitions running in this JVM (docs/architecture.md, "Who may
 * send"). A partition's lease is opened as its step starts and released as it ends; in
 * between, this node renews it every sixth of {@code flowbatch.execution.claim-lease}.
 * The claim, the SENDING mark and every hand-over to the mail server require the lease,
 * and an expired lease is never renewed, so a step execution that was taken for dead (its
 * node paused or lost the database for longer than the lease) stops for good, whatever
 * the JobRepository says about it.
 */
@Component
public class ClaimLeases implements StepExecutionListener, SmartLifecycle {

    static final String OPEN = """
            INSERT INTO claim_lease (step_execution_id, expires_at, send_grace)
            VALUES (:step, now() + make_interval(secs => :seconds), make_interval(secs => :graceSeconds))
            ON CONFLICT (step_execution_id) DO NOTHING
            """;

    /**
     * Renews only leases still live: one that ran out stays out, even if its thread wakes
     * up. And only for steps that recorded progress within stale-after (Spring Batch
     * updates a step at every chunk, in the JVM's local time): a thread hung for that
     * long gives its claims up, as a dead one would.
     */
    static final String RENEW = """
            UPDATE claim_lease l SET expires_at = now() + make_interval(secs => :seconds)
            FROM batch_step_execution s
            WHERE l.step_execution_id = ANY(:steps::bigint[]) AND l.released_at IS NULL AND l.expires_at > now()
              AND s.step_execution_id = l.step_execution_id AND s.last_updated >= :progressSince
            RETURNING l.step_execution_id
            """;

    static final String RELEASE = """
            UPDATE claim_lease SET released_at = now(), expires_at = LEAST(expires_at, now())
            WHERE step_execution_id = :step
            """;

    /** What a node adds on top of the SMTP timeouts when no send grace is set. */
    static final Duration GRACE_MARGIN = Duration.ofSeconds(5);

    private static final Log logger = LogFactory.getLog(ClaimLeases.class);

    private final JdbcClient jdbc;

    private final Duration lease;

    private final Duration sendGrace;

    private final Duration staleAfter;

    private final Clock clock;

    private final Map<Long, ClaimLease> held = new ConcurrentHashMap<>();

    private ScheduledExecutorService renewals;

    private volatile boolean failing;

    ClaimLeases(JdbcClient jdbc, ExecutionProperties properties, Relays relays, Clock clock) {
        this.jdbc = jdbc;
        this.lease = properties.claimLease();
        this.staleAfter = properties.staleAfter();
        this.clock = clock;
        Duration handover = relays.longestHandover();
        if (properties.sendGrace() == null) {
            this.sendGrace = handover.plus(GRACE_MARGIN);
        }
        else if (properties.sendGrace().compareTo(handover) < 0) {
            throw new IllegalStateException("flowbatch.execution.send-grace (" + properties.sendGrace()
                    + ") must be at least the SMTP write and read timeouts together, plus the write watchdog's "
                    + "0.25 s (" + handover + ", spring.mail.properties.mail.smtp.writetimeout and .timeout): a "
                    + "message handed over just "
                    + "before a claim expired could still be on its way when its row is recovered");
        }
        else {
            this.sendGrace = properties.sendGrace();
        }
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        open(stepExecution.getId());
    }

    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        release(stepExecution.getId());
        return null;
    }

    /** Opens the lease of a step execution that is about to claim evaluations. */
    ClaimLease open(long stepExecutionId) {
        ClaimLease claimLease = of(stepExecutionId);
        Instant askedAt = clock.instant();
        long askedAtNanos = System.nanoTime();
        int opened = jdbc.sql(OPEN)
            .param("step", stepExecutionId)
            .param("seconds", seconds(lease))
            .param("graceSeconds", seconds(sendGrace))
            .update();
        if (opened == 1) {
            claimLease.confirmed(askedAt, askedAtNanos, lease);
        }
        else {
            // A lease for this step execution existed already: whoever opened it owns the
            // step.
            claimLease.end();
        }
        return claimLease;
    }

    /**
     * The lease of a step execution of this JVM, whether or not its step has opened it
     * yet (its reader and writer may be created first): valid only once opened, never
     * after release.
     */
    ClaimLease of(long stepExecutionId) {
        return held.computeIfAbsent(stepExecutionId, (id) -> new ClaimLease(id, clock));
    }

    /**
     * The step's thread left the step: it hands nothing more over, and recovery may take
     * its rows.
     */
    void release(long stepExecutionId) {
        ClaimLease claimLease = held.remove(stepExecutionId);
        if (claimLease == null || !claimLease.opened()) {
            // Not opened here (another holder's lease): not this node's to end.
            return;
        }
        claimLease.end();
        try {
            jdbc.sql(RELEASE).param("step", stepExecutionId).update();
        }
        catch (RuntimeException ex) {
            // The lease then simply runs out: the rows are recovered a lease later.
            logger.warn(
                    "Could not release the claim lease of step execution " + stepExecutionId + ": " + ex.getMessage());
        }
    }

    /**
     * Renews every lease held here; a lease the database no longer renews ends at once.
     */
    void renew() {
        Set<Long> steps = new HashSet<>();
        held.forEach((step, claimLease) -> {
            if (claimLease.opened()) {
                steps.add(step);
            }
        });
        if (steps.isEmpty()) {
            return;
        }
        Instant askedAt = clock.instant();
        long askedAtNanos = System.nanoTime();
        Set<Long> renewed;
        try {
            renewed = new HashSet<>(jdbc.sql(RENEW)
                .param("steps", steps.toArray(Long[]::new))
                .param("seconds", seconds(lease))
                .param("progressSince", LocalDateTime.ofInstant(askedAt.minus(staleAfter), ZoneId.systemDefault()))
                .query(Long.class)
                .list());
            if (failing) {
                logger.info("Claim leases renewed again");
                failing = false;
            }
        }
        catch (RuntimeException ex) {
            // The database is away: the leases run out by themselves at their deadlines.
            if (!failing) {
                logger.warn("Claim lease renewal failed: " + ex.getMessage());
                failing = true;
            }
            return;
        }
        for (long step : steps) {
            ClaimLease claimLease = held.get(step);
            if (claimLease == null) {
                continue;
            }
            if (renewed.contains(step)) {
                claimLease.confirmed(askedAt, askedAtNanos, lease);
            }
            else {
                logger.warn("The claim lease of step execution " + step + " ended (this node was silent for " + lease
                        + ", or the step made no progress for " + staleAfter
                        + "); it claims and sends nothing more, and its evaluations are recovered");
                claimLease.end();
                held.remove(step, claimLease);
            }
        }
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    @Override
    public void start() {
        renewals = Executors.newSingleThreadScheduledExecutor((runnable) -> {
            Thread thread = new Thread(runnable, "claim-leases");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(1, lease.toMillis() / 6);
        renewals.scheduleWithFixedDelay(() -> {
            try {
                renew();
            }
            catch (RuntimeException ex) {
                // A task that throws is never run again: the leases would all run out.
                logger.warn("Claim lease renewal failed: " + ex);
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops renewing after the node registry stopped, which waits for the runs of this
     * node to end; a partition still running after that wait loses its lease and stops
     * handing messages over.
     */
    @Override
    public void stop() {
        if (renewals != null) {
            renewals.shutdownNow();
            renewals = null;
        }
        held.values().forEach(ClaimLease::end);
    }

    @Override
    public boolean isRunning() {
        return renewals != null;
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

}
