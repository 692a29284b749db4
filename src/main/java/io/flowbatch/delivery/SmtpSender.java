package io.flowbatch.delivery;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.mail.internet.MimeMessage;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

/**
 * Sends a chunk of messages over a few parallel SMTP connections and reports one result per
 * message. Each connection carries a slice of the chunk (one connect, many messages), and a
 * failed message never makes another one go out twice.
 */
@Component
public class SmtpSender implements DisposableBean {

    static final String MESSAGES = "flowbatch.smtp.messages";

    static final String LATENCY = "flowbatch.smtp.latency";

    private final JavaMailSenderImpl mailSender;

    private final int connections;

    private final ExecutorService executor;

    private final MeterRegistry meters;

    SmtpSender(JavaMailSenderImpl mailSender, DeliveryProperties properties, MeterRegistry meters) {
        this.mailSender = mailSender;
        this.meters = meters;
        this.connections = properties.smtpConnections();
        this.executor = Executors.newCachedThreadPool((runnable) -> {
            Thread thread = new Thread(runnable, "smtp-sender");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The session messages are built in: same properties as the connections. */
    public jakarta.mail.Session session() {
        return mailSender.getSession();
    }

    /** Sends every message once; the result at index i is for the message at index i. */
    public List<SendResult> send(List<MimeMessage> messages) {
        if (messages.isEmpty()) {
            return List.of();
        }
        int slices = Math.min(connections, messages.size());
        int sliceSize = (messages.size() + slices - 1) / slices;
        List<Future<Map<MimeMessage, SendResult>>> futures = new ArrayList<>();
        for (int start = 0; start < messages.size(); start += sliceSize) {
            List<MimeMessage> slice = messages.subList(start, Math.min(messages.size(), start + sliceSize));
            futures.add(executor.submit(() -> sendOverOneConnection(slice)));
        }
        Map<MimeMessage, SendResult> results = new IdentityHashMap<>();
        for (Future<Map<MimeMessage, SendResult>> future : futures) {
            try {
                results.putAll(future.get());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while sending mail", ex);
            }
            catch (ExecutionException ex) {
                throw new IllegalStateException("Mail sending failed unexpectedly", ex.getCause());
            }
        }
        List<SendResult> ordered = new ArrayList<>(messages.size());
        for (MimeMessage message : messages) {
            ordered.add(results.get(message));
        }
        return ordered;
    }

    private Map<MimeMessage, SendResult> sendOverOneConnection(List<MimeMessage> slice) {
        long start = System.nanoTime();
        Map<MimeMessage, SendResult> results = new IdentityHashMap<>();
        Map<Object, Exception> failed = Map.of();
        try {
            mailSender.send(slice.toArray(MimeMessage[]::new));
        }
        catch (MailSendException ex) {
            failed = ex.getFailedMessages();
            if (failed.isEmpty()) {
                failed = allFailed(slice, ex);
            }
        }
        catch (MailException ex) {
            // Authentication or preparation failed before any message was handed over.
            failed = allFailed(slice, ex);
        }
        for (MimeMessage message : slice) {
            Exception failure = failed.get(message);
            SendResult result = (failure == null) ? SendResult.sent("250 accepted") : SendFailures.classify(failure);
            results.put(message, result);
            meters.counter(MESSAGES, "result", result.kind().name()).increment();
        }
        // Per message: the connection's time spread over what it carried.
        Timer.builder(LATENCY)
            .description("SMTP time per message, connection set-up included")
            .register(meters)
            .record((System.nanoTime() - start) / slice.size(), TimeUnit.NANOSECONDS);
        return results;
    }

    private static Map<Object, Exception> allFailed(List<MimeMessage> slice, Exception ex) {
        Map<Object, Exception> failed = new IdentityHashMap<>();
        slice.forEach((message) -> failed.put(message, ex));
        return failed;
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }

}
