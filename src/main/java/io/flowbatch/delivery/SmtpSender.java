package io.flowbatch.delivery;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.springframework.beans.factory.DisposableBean;
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

    private final JavaMailSenderImpl mailSender;

    private final SmtpConnections connections;

    private final int connectionsPerChunk;

    private final ExecutorService executor;

    private final MeterRegistry meters;

    private final Clock clock;

    SmtpSender(JavaMailSenderImpl mailSender, DeliveryProperties properties, MeterRegistry meters, Clock clock) {
        this.mailSender = mailSender;
        this.clock = clock;
        this.meters = meters;
        this.connections = new SmtpConnections(SmtpRelay.of(mailSender), properties.smtpMaxConnections(),
                properties.smtpIdleTimeout(), meters);
        this.connectionsPerChunk = properties.smtpConnections();
        this.executor = Executors.newCachedThreadPool((runnable) -> {
            Thread thread = new Thread(runnable, "smtp-sender");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The session messages are built in. */
    public jakarta.mail.Session session() {
        return mailSender.getSession();
    }

    /**
     * The longest a message handed to a connection can take to reach the server or fail:
     * the socket's write timeout (the content) plus its read timeout (the end-of-data
     * reply). Claims of a sender taken for dead are recovered only once this much has
     * passed after its claim expired.
     */
    public Duration longestHandover() {
        return connections.relay().longestHandover();
    }

    /**
     * Sends every message at most once; the result at index i is for the message at index
     * i. The permit is asked before each message and before each end of data: once it is
     * withdrawn, no further message is handed over, and those left are
     * {@link SendResult.Kind#WITHHELD}.
     */
    public List<SendResult> send(List<MimeMessage> messages, SendPermit permit) {
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
            futures.add(executor.submit(() -> sendSlice(messages, from, to, results, permit)));
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
    private void sendSlice(List<MimeMessage> messages, int from, int to, SendResult[] results, SendPermit permit) {
        long start = System.nanoTime();
        List<PreparedMessage> prepared = new ArrayList<>(to - from);
        List<Integer> positions = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            try {
                prepared.add(PreparedMessage.of(messages.get(i), clock));
                positions.add(i);
            }
            catch (MessagingException | IOException ex) {
                results[i] = SendResult.of(SendResult.Kind.PERMANENT,
                        "message could not be written: " + ex.getMessage());
            }
        }
        SendResult[] sliceResults = new SendResult[prepared.size()];
        sendPrepared(prepared, sliceResults, permit);
        for (int i = 0; i < prepared.size(); i++) {
            results[positions.get(i)] = sliceResults[i];
        }
        for (int i = from; i < to; i++) {
            meters.counter(MESSAGES, "result", results[i].kind().name()).increment();
        }
        // Per message: the connection's time spread over what it carried.
        Timer.builder(LATENCY)
            .description("SMTP time per message, waiting for a connection included")
            .register(meters)
            .record((System.nanoTime() - start) / (to - from), TimeUnit.NANOSECONDS);
    }

    private void sendPrepared(List<PreparedMessage> prepared, SendResult[] results, SendPermit permit) {
        int next = 0;
        try {
            if (!connections.acquire(permit)) {
                withhold(results, 0);
                return;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            withhold(results, 0);
            return;
        }
        try {
            while (next < prepared.size()) {
                SmtpConnection connection;
                try {
                    connection = connections.connection();
                }
                catch (IOException ex) {
                    SendResult unreachable = SendResult.unreachable(connections.relay(), ex);
                    for (int i = next; i < prepared.size(); i++) {
                        results[i] = unreachable;
                    }
                    return;
                }
                try {
                    next = connection.send(prepared, next, results, permit);
                }
                finally {
                    connections.giveBack(connection);
                }
            }
        }
        finally {
            connections.release();
        }
    }

    private static void withhold(SendResult[] results, int from) {
        for (int i = from; i < results.length; i++) {
            results[i] = SendResult.withheld();
        }
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
        connections.close();
    }

}
