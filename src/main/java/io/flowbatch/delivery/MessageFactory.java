package io.flowbatch.delivery;

import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeUtility;

import org.springframework.stereotype.Component;

/**
 * Builds the message for one evaluation, with the headers the README's API section
 * promises: a Message-ID derived from the evaluation (so a resend is recognisably the
 * same message), the evaluation id, and one-click unsubscribe (RFC 8058); signed with
 * DKIM when its From domain has a key ({@link DkimSigner}). Jakarta Mail only parses and
 * encodes the addresses and the subject; {@link MimeWriter} writes the rest.
 */
@Component
public class MessageFactory {

    public static final String EVALUATION_HEADER = "X-Flowbatch-Evaluation";

    /** RFC 5322's date-time, in UTC. */
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ENGLISH);

    private final String messageIdDomain;

    private final Clock clock;

    private final ReturnPath returnPath;

    private final DkimSigner dkim;

    MessageFactory(DeliveryProperties properties, ReturnPath returnPath, DkimSigner dkim, Clock clock) {
        this.messageIdDomain = properties.messageIdDomain();
        this.returnPath = returnPath;
        this.dkim = dkim;
        this.clock = clock;
    }

    /**
     * The one place the Message-ID is made: the message carries it, and the delivery log
     * records it, for a send and for an operator's "closed as SENT" alike.
     */
    public String messageId(long evaluationId) {
        return "<evaluation-" + evaluationId + "@" + messageIdDomain + ">";
    }

    /**
     * The message as it goes over the wire, dated now. Throws {@link MessagingException}
     * when an address is not usable; the item is then skipped.
     */
    public PreparedMessage build(OutgoingEmail email, RenderedEmail content) throws MessagingException {
        InternetAddress from = sender(email.from());
        InternetAddress to = recipient(email);
        // The envelope sender is the evaluation's return path when there is a return-path
        // domain: bounces come back naming the message.
        String envelopeSender = returnPath.enabled() ? returnPath.address(email.evaluationId()) : from.getAddress();
        try {
            String domain = from.getAddress().substring(from.getAddress().lastIndexOf('@') + 1);
            return new PreparedMessage(envelopeSender, List.of(to.getAddress()),
                    dkim.sign(domain, write(email, from, to, content)));
        }
        catch (IllegalArgumentException ex) {
            throw new MessagingException(ex.getMessage(), ex);
        }
    }

    private byte[] write(OutgoingEmail email, InternetAddress from, InternetAddress to, RenderedEmail content)
            throws MessagingException {
        MimeWriter mime = new MimeWriter(
                2 * (content.html().length() + ((content.text() != null) ? content.text().length() : 0)) + 1024);
        mime.header("Date", DATE.format(clock.instant().atOffset(ZoneOffset.UTC)))
            .header("From", InternetAddress.toString(new Address[] { from }, "From: ".length()))
            .header("To", InternetAddress.toString(new Address[] { to }, "To: ".length()))
            .header("Message-ID", messageId(email.evaluationId()))
            .header("Subject", subject(content.subject()))
            .header("MIME-Version", "1.0")
            .header(EVALUATION_HEADER, Long.toString(email.evaluationId()));
        if (email.unsubscribeUrl() != null) {
            mime.header("List-Unsubscribe", "<" + email.unsubscribeUrl() + ">")
                .header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        if (content.text() != null) {
            mime.alternative("=_flowbatch-" + email.evaluationId(), content.text(), content.html());
        }
        else {
            mime.single("text/html", content.html());
        }
        return mime.toByteArray();
    }

    /** Encoded words for what is not ASCII (RFC 2047), folded where a line grows long. */
    private static String subject(String subject) throws MessagingException {
        try {
            return MimeUtility.fold("Subject: ".length(),
                    MimeUtility.encodeText(subject, StandardCharsets.UTF_8.name(), null));
        }
        catch (UnsupportedEncodingException ex) {
            throw new MessagingException("Cannot encode the subject", ex);
        }
    }

    private static InternetAddress recipient(OutgoingEmail email) throws MessagingException {
        boolean named = email.recipientName() != null && !email.recipientName().isBlank();
        return named(parseOne(email.recipient()), named ? email.recipientName() : null);
    }

    /** The From address; as parsed, its display name would be written as it was typed. */
    private static InternetAddress sender(String from) throws MessagingException {
        InternetAddress address = parseOne(from);
        return named(address, address.getPersonal());
    }

    /**
     * The address with its display name, encoded as UTF-8 words where it is not ASCII.
     */
    private static InternetAddress named(InternetAddress address, String name) throws MessagingException {
        if (name != null) {
            try {
                address.setPersonal(name, StandardCharsets.UTF_8.name());
            }
            catch (UnsupportedEncodingException ex) {
                throw new MessagingException("Cannot encode the display name " + name, ex);
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
