package io.flowbatch.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The open connections to one relay, kept across chunks and runs: at most
 * {@code max-connections} at once on this node, idle ones closed after
 * {@code idle-timeout}. Connections the server closed while idle are found out at their
 * next envelope, before anything of a message went out, and replaced
 * ({@link SmtpConnection#send}).
 *
 * <p>
 * A watchdog closes a connection whose write has been blocked for longer than
 * {@code mail.smtp.writetimeout} (Java's blocking sockets have a read timeout only), so
 * no hand-over outlasts {@link SmtpRelay#longestHandover()}.
 */
final class SmtpConnections implements AutoCloseable {

    static final String OPEN_CONNECTIONS = "flowbatch.smtp.connections";

    static final String OPENED = "flowbatch.smtp.connections.opened";

    /** How often the watchdog and the idle reaper look. */
    static final Duration WATCH_INTERVAL = Duration.ofMillis(250);

    /** How long a sender waits for a free connection before asking its permit again. */
    private static final long WAIT_MILLIS = 200;

    private final SmtpRelay relay;

    private final Semaphore slots;

    private final long idleTimeoutNanos;

    private final Deque<SmtpConnection> idle = new ArrayDeque<>();

    private final Set<SmtpConnection> open = ConcurrentHashMap.newKeySet();

    private final AtomicInteger openCount = new AtomicInteger();

    private final Counter opened;

    private final ScheduledExecutorService watchdog;

    private final ExecutorService closer;

    SmtpConnections(SmtpRelay relay, int maxConnections, Duration idleTimeout, MeterRegistry meters) {
        this.relay = relay;
        this.slots = new Semaphore(maxConnections, true);
        this.idleTimeoutNanos = idleTimeout.toNanos();
        Gauge.builder(OPEN_CONNECTIONS, openCount, AtomicInteger::get)
            .description("SMTP connections open to the relay")
            .tag("relay", relay.toString())
            .register(meters);
        this.opened = Counter.builder(OPENED)
            .description("SMTP connections opened to the relay")
            .tag("relay", relay.toString())
            .register(meters);
        this.watchdog = Executors.newSingleThreadScheduledExecutor((runnable) -> daemon(runnable, "smtp-watchdog"));
        this.closer = Executors.newSingleThreadExecutor((runnable) -> daemon(runnable, "smtp-closer"));
        long interval = WATCH_INTERVAL.toMillis();
        watchdog.scheduleWithFixedDelay(this::watch, interval, interval, TimeUnit.MILLISECONDS);
    }

    SmtpRelay relay() {
        return relay;
    }

    /**
     * A free slot, waiting while every connection is in use, for as long as the permit
     * holds.
     * @return false when the permit was withdrawn first
     */
    boolean acquire(SendPermit permit) throws InterruptedException {
        while (!slots.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            if (!permit.granted()) {
                return false;
            }
        }
        return true;
    }

    /** Gives back a slot taken with {@link #acquire}. */
    void release() {
        slots.release();
    }

    /**
     * An idle connection, or a new one; call with a slot held.
     * @throws IOException when a new connection cannot be opened
     */
    SmtpConnection connection() throws IOException {
        synchronized (idle) {
            while (!idle.isEmpty()) {
                SmtpConnection connection = idle.pollFirst();
                if (connection.isOpen() && connection.idleNanos() < idleTimeoutNanos) {
                    return connection;
                }
                retireLater(connection);
            }
        }
        SmtpConnection connection = SmtpConnection.open(relay);
        opened.increment();
        open.add(connection);
        openCount.incrementAndGet();
        return connection;
    }

    /** Takes back a connection after use: kept if still open, for the next chunk. */
    void giveBack(SmtpConnection connection) {
        if (!connection.isOpen()) {
            retire(connection);
            return;
        }
        connection.parked();
        synchronized (idle) {
            // Most recently used first: the others age out.
            idle.addFirst(connection);
        }
    }

    /**
     * QUIT waits for the server's reply: never under the lock, nor on the watchdog, whose
     * next look at a stalled write must not wait for it.
     */
    private void retireLater(SmtpConnection connection) {
        closer.execute(() -> retire(connection));
    }

    private void retire(SmtpConnection connection) {
        if (open.remove(connection)) {
            openCount.decrementAndGet();
        }
        connection.close();
    }

    private void watch() {
        long stalled = relay.writeTimeout().toNanos();
        for (SmtpConnection connection : open) {
            if (connection.writeStalledFor(stalled)) {
                connection.abandon();
            }
        }
        synchronized (idle) {
            idle.removeIf((connection) -> {
                boolean expired = !connection.isOpen() || connection.idleNanos() >= idleTimeoutNanos;
                if (expired) {
                    retireLater(connection);
                }
                return expired;
            });
        }
    }

    /** QUIT on every idle connection; the busy ones are closed by their senders. */
    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Connections open to the relay now. */
    int open() {
        return openCount.get();
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        closer.shutdown();
        synchronized (idle) {
            idle.forEach(this::retire);
            idle.clear();
        }
    }

}
