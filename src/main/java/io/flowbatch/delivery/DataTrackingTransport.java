package io.flowbatch.delivery;

import java.io.OutputStream;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Provider;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus's SMTP transport, remembering whether the current message reached its DATA (or BDAT)
 * phase. Once it has, a connection that breaks or times out leaves the message in doubt: the
 * server may have taken it. The last reply cannot tell, since Angus clears it before reading the
 * answer to the end of data, so a server that stalls after the "." looked like one that never
 * got the message, and the message would have been sent again. {@link SmtpSender} opens its
 * connections with it.
 */
public class DataTrackingTransport extends SMTPTransport {

    /** The provider that makes a session open this transport for the protocol. */
    static Provider provider(String protocol) {
        boolean ssl = "smtps".equals(protocol);
        return new Provider(Provider.Type.TRANSPORT, protocol,
                (ssl ? Ssl.class : DataTrackingTransport.class).getName(), "flowbatch", null);
    }

    private volatile boolean dataStarted;

    public DataTrackingTransport(Session session, URLName url) {
        this(session, url, "smtp", false);
    }

    protected DataTrackingTransport(Session session, URLName url, String protocol, boolean ssl) {
        super(session, url, protocol, ssl);
    }

    /** Whether the message being sent, or the last one, had begun its DATA phase. */
    public boolean dataStarted() {
        return dataStarted;
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        dataStarted = false;
        super.sendMessage(message, addresses);
    }

    @Override
    protected OutputStream data() throws MessagingException {
        dataStarted = true;
        return super.data();
    }

    @Override
    protected OutputStream bdat() throws MessagingException {
        dataStarted = true;
        return super.bdat();
    }

    /** The same over TLS from the first byte ({@code smtps}). */
    public static class Ssl extends DataTrackingTransport {

        public Ssl(Session session, URLName url) {
            super(session, url, "smtps", true);
        }

    }

}
