package io.flowbatch.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

/**
 * Sends a chunk of messages over a few parallel SMTP connections and reports one result
 * per message. Each connection carries a slice of the chunk, pipelined when the relay
 * offers it ({@link SmtpConnection}); connections are taken from and given back to a pool
 * kept across chunks ({@link SmtpConnections}). A failed message never makes another one
 * go out twice.
 */
@Component
public class SmtpSender implements DisposableBean {

    static final String MESSAGES = "flowbatch.smtp.messages";

    static final String LATENCY = "flowbatch.smtp.latency";

    private final SmtpConnections connections;

    private final int connectionsPerChunk;

    private final int window;

    private final ExecutorService executor;

    private final MeterRegistry meters;

    @Autowired
    SmtpSender(JavaMailSenderImpl mailSender, DeliveryProperties properties, MeterRegistry meters) {
        this(SmtpRelay.of(mailSender), properties.smtpMaxConnections(), properties, meters);
    }

    /** A sender to one relay, with at most {@code maxConnections} open to it. */
    SmtpSender(SmtpRelay relay, int maxConnections, DeliveryProperties properties, MeterRegistry meters) {
        this.meters = meters;
        this.connections = new SmtpConnections(relay, maxConnections, properties.smtpIdleTimeout(), meters);
        this.connectionsPerChunk = properties.smtpConnections();
        this.window = properties.inFlightWindow();
        this.executor = Executors.newCachedThreadPool((runnable) -> {
            Thread thread = new Thread(runnable, "smtp-sender");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The longest a message handed to a connection can take to reach the server or fail:
     * the socket's write timeout (the content) plus its read timeout (the end-of-data
     * reply). Claims of a sender taken for dead are recovered only once this much has
     * passed after its claim expired.
     */
    /** Connections open to the relay now. */
    public int openConnections() {
        return connections.open();
    }

    /** The relay's host and port. */
    public String relay() {
        return connections.relay().toString();
    }

    public Duration longestHandover() {
        return connections.relay().longestHandover();
    }

    /**
     * Sends every message at most once; the result at index i is for the message at index
     * i. The permit is asked before each message and before each end of data: once it is
     * withdrawn, no further message is handed over, and those left are
     * {@link SendResult.Kind#WITHHELD}.
     */
    public List<SendResult> send(List<PreparedMessage> messages, SendPermit permit) {
        return send(messages, permit, SendLedger.NONE);
    }

    /**
     * The same, telling the ledger as it goes: each connection hands over a window of
     * {@code flowbatch.delivery.in-flight-window} messages at a time, only once the
     * ledger reserved them, and passes the window's results on with its next call. The
     * results of each connection's last window are only returned.
     */
    public List<SendResult> send(List<PreparedMessage> messages, SendPermit permit, SendLedger ledger) {
        if (messages.isEmpty()) {
            return List.of();
        }
        int slices = Math.min(connectionsPerChunk, messages.size());
        int sliceSize = (messages.size() + slices - 1) / slices;
        SendResult[] results = new SendResult[messages.size()];
        List<Future<?>> futures = new ArrayList<>();
        for (int start = 0; start < messages.size(); start += sliceSize) {
            int from = start;
            int to = Math.min(messages.size(), start + sliceSize);
            futures.add(executor.submit(() -> sendSlice(messages, from, to, results, permit, ledger)));
        }
        for (Future<?> future : futures) {
            try {
                future.get();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while sending mail", ex);
            }
            catch (ExecutionException ex) {
                throw new IllegalStateException("Mail sending failed unexpectedly", ex.getCause());
            }
        }
        return List.of(results);
    }

    /**
     * One slice over one connection at a time: a connection that breaks is replaced and
     * the slice goes on with the messages not yet sent. A connection that cannot be
     * opened (refused, 421 greeting, EHLO, STARTTLS, login) marks only the messages not
     * yet tried as unsent.
     */
    private void sendSlice(List<PreparedMessage> messages, int from, int to, SendResult[] results, SendPermit permit,
            SendLedger ledger) {
        long start = System.nanoTime();
        List<Integer> positions = IntStream.range(from, to).boxed().toList();
        sendPrepared(messages.subList(from, to), positions, results, permit, ledger);
        for (int i = from; i < to; i++) {
            meters.counter(MESSAGES, "result", results[i].kind().name()).increment();
        }
        // Per message: the connection's time spread over what it carried.
        Timer.builder(LATENCY)
            .description("SMTP time per message, waiting for a connection included")
            .register(meters)
            .record((System.nanoTime() - start) / (to - from), TimeUnit.NANOSECONDS);
    }

    private void sendPrepared(List<PreparedMessage> prepared, List<Integer> positions, SendResult[] results,
            SendPermit permit, SendLedger ledger) {
        try {
            if (!connections.acquire(permit)) {
                withhold(results, positions, 0);
                return;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            withhold(results, positions, 0);
            return;
        }
        SmtpConnection connection = null;
        Map<Integer, SendResult> untold = new LinkedHashMap<>();
        try {
            for (int start = 0; start < prepared.size(); start += window) {
                int end = Math.min(prepared.size(), start + window);
                Set<Integer> reserved;
                try {
                    reserved = ledger.advance(untold, positions.subList(start, end));
                }
                catch (RuntimeException ex) {
                    // The caller could not reserve the window (its database is away):
                    // nothing more goes.
                    withhold(results, positions, start);
                    return;
                }
                untold = new LinkedHashMap<>();
                List<PreparedMessage> batch = new ArrayList<>(end - start);
                List<Integer> batchPositions = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    if (reserved.contains(positions.get(i))) {
                        batch.add(prepared.get(i));
                        batchPositions.add(positions.get(i));
                    }
                    else {
                        results[positions.get(i)] = SendResult.withheld();
                    }
                }
                SendResult[] batchResults = new SendResult[batch.size()];
                for (int next = 0; next < batch.size();) {
                    if (connection == null) {
                        try {
                            connection = connections.connection();
                        }
                        catch (IOException ex) {
                            SendResult unreachable = SendResult.unreachable(connections.relay(), ex);
                            for (int i = 0; i < batch.size(); i++) {
                                results[batchPositions.get(i)] = (i < next) ? batchResults[i] : unreachable;
                            }
                            for (int i = end; i < prepared.size(); i++) {
                                results[positions.get(i)] = unreachable;
                            }
                            return;
                        }
                    }
                    next = connection.send(batch, next, batchResults, permit);
                    if (!connection.isOpen()) {
                        connections.giveBack(connection);
                        connection = null;
                    }
                }
                boolean withheld = false;
                for (int i = 0; i < batch.size(); i++) {
                    results[batchPositions.get(i)] = batchResults[i];
                    untold.put(batchPositions.get(i), batchResults[i]);
                    withheld |= batchResults[i].kind() == SendResult.Kind.WITHHELD;
                }
                if (withheld) {
                    // The permit was withdrawn: nothing more is handed over.
                    withhold(results, positions, end);
                    return;
                }
            }
        }
        finally {
            if (connection != null) {
                connections.giveBack(connection);
            }
            connections.release();
        }
    }

    private static void withhold(SendResult[] results, List<Integer> positions, int from) {
        for (int i = from; i < positions.size(); i++) {
            results[positions.get(i)] = SendResult.withheld();
        }
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
        connections.close();
    }

}
