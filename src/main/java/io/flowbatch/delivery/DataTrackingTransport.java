package io.flowbatch.delivery;

import java.io.IOException;
import java.io.OutputStream;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Provider;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus's SMTP transport, remembering whether the current message reached its DATA (or
 * BDAT) phase. Once it has, a connection that breaks or times out leaves the message in
 * doubt: the server may have taken it. The last reply cannot tell, since Angus clears it
 * before reading the answer to the end of data, so a server that stalls after the "."
 * looked like one that never got the message, and the message would have been sent again.
 * {@link SmtpSender} opens its connections with it.
 */
public class DataTrackingTransport extends SMTPTransport {

    /** The provider that makes a session open this transport for the protocol. */
    static Provider provider(String protocol) {
        boolean ssl = "smtps".equals(protocol);
        return new Provider(Provider.Type.TRANSPORT, protocol,
                (ssl ? Ssl.class : DataTrackingTransport.class).getName(), "flowbatch", null);
    }

    private volatile boolean dataStarted;

    private volatile SendPermit permit = () -> true;

    private volatile boolean withheld;

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

    /**
     * Whether the last message was withheld at its end of data: certainly not delivered.
     */
    public boolean withheld() {
        return withheld;
    }

    /**
     * Sends one message, asking the permit once more right before its end of data. A
     * server takes a message only with its final "." (or last BDAT chunk); without it,
     * however much content it read, it discards the message when the connection drops. So
     * a sender whose permit was withdrawn while the message was on its way (a pause in
     * the middle of the content, a slow server) never completes it.
     */
    public synchronized void sendMessage(Message message, Address[] addresses, SendPermit permit)
            throws MessagingException {
        dataStarted = false;
        withheld = false;
        this.permit = permit;
        try {
            super.sendMessage(message, addresses);
        }
        finally {
            this.permit = () -> true;
        }
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        sendMessage(message, addresses, () -> true);
    }

    /** Angus answers an IOException here by dropping the connection, without the ".". */
    @Override
    protected void finishData() throws IOException, MessagingException {
        refuseWithoutPermit();
        super.finishData();
    }

    @Override
    protected void finishBdat() throws IOException, MessagingException {
        refuseWithoutPermit();
        super.finishBdat();
    }

    private void refuseWithoutPermit() throws IOException {
        if (!permit.granted()) {
            withheld = true;
            throw new IOException("end of data withheld: the sender no longer holds its claim on this message");
        }
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
