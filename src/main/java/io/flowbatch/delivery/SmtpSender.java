package io.flowbatch.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Provider;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPTransport;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

/**
 * Sends a chunk of messages over a few parallel SMTP connections (Jakarta Mail, with the
 * session and settings of Spring's mail sender) and reports one result per message. Each
 * connection carries a slice of the chunk, and a failed message never makes another one
 * go out twice.
 */
@Component
public class SmtpSender implements DisposableBean {

    static final String MESSAGES = "flowbatch.smtp.messages";

    static final String LATENCY = "flowbatch.smtp.latency";

    private final JavaMailSenderImpl mailSender;

    private final int connections;

    private final ExecutorService executor;

    private final MeterRegistry meters;

    /**
     * Opens {@link DataTrackingTransport}s, which tell a message in doubt from one never
     * sent.
     */
    private final Provider provider;

    private final Clock clock;

    SmtpSender(JavaMailSenderImpl mailSender, DeliveryProperties properties, MeterRegistry meters, Clock clock) {
        this.mailSender = mailSender;
        this.clock = clock;
        this.meters = meters;
        this.provider = DataTrackingTransport.provider(mailSender.getProtocol());
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

    /**
     * The longest a message handed to a connection can take to reach the server or fail:
     * the socket's write timeout (the content) plus its read timeout (the end-of-data
     * reply). Claims of a sender taken for dead are recovered only once this much has
     * passed after its claim expired.
     */
    public Duration longestHandover() {
        Properties properties = mailSender.getJavaMailProperties();
        String prefix = "mail." + mailSender.getProtocol() + ".";
        return timeout(properties, prefix + "writetimeout").plus(timeout(properties, prefix + "timeout"));
    }

    private static Duration timeout(Properties properties, String name) {
        String value = properties.getProperty(name);
        long millis;
        try {
            millis = (value != null) ? Long.parseLong(value.strip()) : 0;
        }
        catch (NumberFormatException ex) {
            millis = 0;
        }
        if (millis <= 0) {
            throw new IllegalStateException("spring.mail.properties." + name + " must be a positive number of "
                    + "milliseconds, not " + value + ": without it a send could hang for ever, and the claims of a "
                    + "sender taken for dead could never be recovered safely");
        }
        return Duration.ofMillis(millis);
    }

    /**
     * Sends every message at most once; the result at index i is for the message at index
     * i. The permit is asked before each message: once it is withdrawn, no further
     * message is handed over, and those left are {@link SendResult.Kind#WITHHELD}.
     */
    public List<SendResult> send(List<MimeMessage> messages, SendPermit permit) {
        if (messages.isEmpty()) {
            return List.of();
        }
        int slices = Math.min(connections, messages.size());
        int sliceSize = (messages.size() + slices - 1) / slices;
        List<Future<Map<MimeMessage, SendResult>>> futures = new ArrayList<>();
        for (int start = 0; start < messages.size(); start += sliceSize) {
            List<MimeMessage> slice = messages.subList(start, Math.min(messages.size(), start + sliceSize));
            futures.add(executor.submit(() -> sendOverOneConnection(slice, permit)));
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

    /**
     * One connection, many messages, one result each. The connection is driven here
     * rather than through {@code JavaMailSenderImpl.send}, whose failure report cannot
     * tell a message that went out before a failed reconnect from one that never did: a
     * failure while connecting (refused, 421 greeting, EHLO, STARTTLS, login) marks only
     * the messages not yet tried as unsent; a failure during a message is that message's
     * alone, and in doubt only when the server had already taken its DATA; a failure on
     * QUIT changes nothing.
     */
    private Map<MimeMessage, SendResult> sendOverOneConnection(List<MimeMessage> slice, SendPermit permit) {
        long start = System.nanoTime();
        Map<MimeMessage, SendResult> results = new IdentityHashMap<>();
        Transport transport = null;
        try {
            for (int i = 0; i < slice.size(); i++) {
                MimeMessage message = slice.get(i);
                if (transport == null) {
                    try {
                        transport = connect();
                    }
                    catch (MessagingException ex) {
                        SendResult unreachable = SendFailures.notConnected(ex);
                        for (int j = i; j < slice.size(); j++) {
                            results.put(slice.get(j), unreachable);
                        }
                        break;
                    }
                }
                // Asked right before the hand-over, after a connect that may itself have
                // taken long.
                if (!permit.granted()) {
                    for (int j = i; j < slice.size(); j++) {
                        results.put(slice.get(j), SendResult.withheld());
                    }
                    break;
                }
                SendResult result = sendOne(transport, message, permit);
                results.put(message, result);
                if (!result.isSent()) {
                    // After a failure the session's state is unknown: the next message
                    // gets a new one.
                    // (No NOOP before every message: on a distant server that round trip
                    // would cost
                    // as much as the message.)
                    closeQuietly(transport);
                    transport = null;
                }
            }
        }
        finally {
            closeQuietly(transport);
        }
        for (SendResult result : results.values()) {
            meters.counter(MESSAGES, "result", result.kind().name()).increment();
        }
        // Per message: the connection's time spread over what it carried.
        Timer.builder(LATENCY)
            .description("SMTP time per message, connection set-up included")
            .register(meters)
            .record((System.nanoTime() - start) / slice.size(), TimeUnit.NANOSECONDS);
        return results;
    }

    private Transport connect() throws MessagingException {
        Transport transport = mailSender.getSession().getTransport(provider);
        String username = mailSender.getUsername();
        String password = mailSender.getPassword();
        transport.connect(mailSender.getHost(), mailSender.getPort(),
                (username != null && !username.isEmpty()) ? username : null,
                (password != null && !password.isEmpty()) ? password : null);
        return transport;
    }

    private SendResult sendOne(Transport transport, MimeMessage message, SendPermit permit) {
        try {
            if (message.getSentDate() == null) {
                message.setSentDate(Date.from(clock.instant()));
            }
            // The message keeps its Message-ID: MessageFactory's messages do not renew it
            // on save.
            message.saveChanges();
            Address[] recipients = message.getAllRecipients();
            Address[] to = (recipients != null) ? recipients : new Address[0];
            if (transport instanceof DataTrackingTransport tracking) {
                tracking.sendMessage(message, to, permit);
            }
            else {
                transport.sendMessage(message, to);
            }
            String reply = (transport instanceof SMTPTransport smtp) ? smtp.getLastServerResponse() : null;
            return SendResult.sent((reply != null) ? reply.strip() : "accepted");
        }
        catch (MessagingException ex) {
            if (transport instanceof DataTrackingTransport tracking && tracking.withheld()) {
                return SendResult.withheld();
            }
            String lastReply = (transport instanceof SMTPTransport smtp) ? smtp.getLastServerResponse() : null;
            boolean dataStarted = transport instanceof DataTrackingTransport tracking && tracking.dataStarted();
            return SendFailures.classify(ex, lastReply, dataStarted);
        }
    }

    private static void closeQuietly(Transport transport) {
        if (transport != null) {
            try {
                transport.close();
            }
            catch (MessagingException ex) {
                // QUIT failed: every message of this connection already has its result.
            }
        }
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }

}
