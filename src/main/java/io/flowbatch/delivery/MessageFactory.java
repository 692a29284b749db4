package io.flowbatch.delivery;

import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import org.springframework.stereotype.Component;

/**
 * Builds the MIME message for one evaluation, with the headers the README's API section
 * promises: a Message-ID derived from the evaluation (so a resend is recognisably the
 * same message), the evaluation id, and one-click unsubscribe (RFC 8058).
 */
@Component
public class MessageFactory {

    public static final String EVALUATION_HEADER = "X-Flowbatch-Evaluation";

    private final String messageIdDomain;

    MessageFactory(DeliveryProperties properties) {
        this.messageIdDomain = properties.messageIdDomain();
    }

    /**
     * The one place the Message-ID is made: the message carries it, and the delivery log
     * records it, for a send and for an operator's "closed as SENT" alike.
     */
    public String messageId(long evaluationId) {
        return "<evaluation-" + evaluationId + "@" + messageIdDomain + ">";
    }

    /**
     * Throws {@link MessagingException} when an address is not usable; the item is then
     * skipped.
     */
    public MimeMessage build(Session session, OutgoingEmail email, RenderedEmail content) throws MessagingException {
        String messageId = messageId(email.evaluationId());
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        message.setHeader("Message-ID", messageId);
        message.setFrom(parseOne(email.from()));
        message.setRecipient(Message.RecipientType.TO, recipient(email));
        message.setSubject(content.subject(), StandardCharsets.UTF_8.name());
        message.setHeader(EVALUATION_HEADER, Long.toString(email.evaluationId()));
        message.setHeader("List-Unsubscribe", "<" + email.unsubscribeUrl() + ">");
        message.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        if (content.text() != null) {
            MimeMultipart alternative = new MimeMultipart("alternative");
            MimeBodyPart text = new MimeBodyPart();
            text.setText(content.text(), StandardCharsets.UTF_8.name(), "plain");
            MimeBodyPart html = new MimeBodyPart();
            html.setText(content.html(), StandardCharsets.UTF_8.name(), "html");
            alternative.addBodyPart(text);
            alternative.addBodyPart(html);
            message.setContent(alternative);
        }
        else {
            message.setText(content.html(), StandardCharsets.UTF_8.name(), "html");
        }
        return message;
    }

    private static InternetAddress recipient(OutgoingEmail email) throws MessagingException {
        InternetAddress address = parseOne(email.recipient());
        if (email.recipientName() != null && !email.recipientName().isBlank()) {
            try {
                address.setPersonal(email.recipientName(), StandardCharsets.UTF_8.name());
            }
            catch (UnsupportedEncodingException ex) {
                throw new MessagingException("Cannot encode the recipient's name", ex);
            }
        }
        return address;
    }

    private static InternetAddress parseOne(String address) throws MessagingException {
        InternetAddress[] parsed = InternetAddress.parse(address, true);
        if (parsed.length != 1) {
            throw new MessagingException("Not one address: " + address);
        }
        parsed[0].validate();
        return parsed[0];
    }

}
