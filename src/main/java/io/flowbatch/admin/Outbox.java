package io.flowbatch.admin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

import org.springframework.stereotype.Component;

/** The zero-setup run's outbox: what the local mail sink received, newest first. */
@Component
class Outbox {

    static final int SHOWN = 50;

    private final List<ReceivedMail> sinks;

    /** No sink bean at all (or none running) leaves the outbox empty. */
    Outbox(List<ReceivedMail> sinks) {
        this.sinks = sinks;
    }

    boolean available() {
        return received().isPresent();
    }

    private Optional<List<MimeMessage>> received() {
        return sinks.stream().map(ReceivedMail::messages).flatMap(Optional::stream).findFirst();
    }

    /** The newest messages; {@code index} 0 is the newest of all. */
    List<OutboxMessage> newest() {
        Optional<List<MimeMessage>> sink = received();
        if (sink.isEmpty()) {
            return List.of();
        }
        List<MimeMessage> received = sink.get();
        List<OutboxMessage> messages = new ArrayList<>();
        for (int i = received.size() - 1, index = 0; i >= 0 && index < SHOWN; i--, index++) {
            messages.add(summary(index, received.get(i)));
        }
        return messages;
    }

    long total() {
        return received().map((messages) -> (long) messages.size()).orElse(0L);
    }

    /**
     * The HTML part of the message at {@code index} (0 = newest), for a sandboxed frame.
     */
    Optional<String> html(int index) {
        Optional<List<MimeMessage>> sink = received();
        if (sink.isEmpty()) {
            return Optional.empty();
        }
        List<MimeMessage> received = sink.get();
        int position = received.size() - 1 - index;
        if (index < 0 || position < 0) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(findHtml(received.get(position)));
        }
        catch (MessagingException | IOException ex) {
            return Optional.of("<p>This message could not be read: " + ex.getMessage() + "</p>");
        }
    }

    private static OutboxMessage summary(int index, MimeMessage message) {
        try {
            Date sent = message.getSentDate();
            return new OutboxMessage(index, message.getSubject(),
                    (message.getAllRecipients() != null) ? message.getAllRecipients()[0].toString() : "",
                    message.getFrom()[0].toString(), message.getMessageID(),
                    message.getHeader("X-Flowbatch-Evaluation", null), (sent != null) ? sent.toInstant() : null);
        }
        catch (MessagingException ex) {
            return new OutboxMessage(index, "(unreadable: " + ex.getMessage() + ")", "", "", "", null, null);
        }
    }

    private static String findHtml(Part part) throws MessagingException, IOException {
        if (part.isMimeType("text/html")) {
            return (String) part.getContent();
        }
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart body = multipart.getBodyPart(i);
                String html = findHtml(body);
                if (html != null) {
                    return html;
                }
            }
        }
        return null;
    }

    /** One received message in the outbox list. */
    record OutboxMessage(int index, String subject, String to, String from, String messageId, String evaluationId,
            java.time.Instant sentAt) {
    }

}
