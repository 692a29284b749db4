package io.flowbatch.embedded;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * The zero-setup run's mail server (SubEthaSMTP, in process): it keeps what it receives
 * for the outbox page and, like the Internet, does not take every address. The demo's
 * {@link DemoMailboxes unknown} addresses are refused at RCPT (550 5.1.1); its
 * {@link DemoMailboxes#bouncesLater bouncing} ones are accepted, and a delivery status
 * notification goes back to the message's return path a little later, through the bounce
 * listener, as a recipient's server would send one.
 */
public final class EmbeddedSmtpServer implements AutoCloseable {

    /** How many received messages the outbox can show; older ones are dropped. */
    static final int KEPT = 2_000;

    private static final Log logger = LogFactory.getLog(EmbeddedSmtpServer.class);

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ENGLISH);

    private final SMTPServer server;

    private final int port;

    private final Deque<MimeMessage> received = new ArrayDeque<>();

    private final ScheduledExecutorService bounces = Executors.newSingleThreadScheduledExecutor((task) -> {
        Thread thread = new Thread(task, "embedded-smtp-bounces");
        thread.setDaemon(true);
        return thread;
    });

    private volatile int bouncePort;

    private volatile Duration bounceDelay = Duration.ZERO;

    private EmbeddedSmtpServer(int port) {
        this.port = port;
        this.server = SMTPServer.port(port)
            .bindAddress(loopback())
            .hostName("mx.example.com")
            .messageHandlerFactory(Session::new)
            .build();
    }

    static EmbeddedSmtpServer start() {
        EmbeddedSmtpServer smtp = new EmbeddedSmtpServer(ProcessFiles.freePort());
        smtp.server.start();
        return smtp;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /**
     * Where bounces go (the bounce listener's port on this host), and how long after the
     * message.
     */
    void returnBouncesTo(int listenerPort, Duration delay) {
        this.bouncePort = listenerPort;
        this.bounceDelay = delay;
    }

    /** What it received, oldest first: the last {@value #KEPT} messages. */
    public synchronized List<MimeMessage> receivedMessages() {
        return new ArrayList<>(received);
    }

    private synchronized void keep(MimeMessage message) {
        received.addLast(message);
        while (received.size() > KEPT) {
            received.removeFirst();
        }
    }

    @Override
    public void close() {
        bounces.shutdownNow();
        server.stop();
    }

    /** One SMTP transaction. */
    private final class Session implements MessageHandler {

        private String sender;

        private final List<String> recipients = new ArrayList<>();

        Session(MessageContext context) {
        }

        @Override
        public void from(String from) {
            this.sender = from;
        }

        @Override
        public void recipient(String recipient) throws RejectException {
            if (DemoMailboxes.unknown(recipient)) {
                throw new RejectException(550, "5.1.1 <" + recipient + ">: Recipient address rejected: User unknown");
            }
            recipients.add(recipient);
        }

        @Override
        public String data(InputStream data) throws IOException {
            byte[] bytes = data.readAllBytes();
            try {
                keep(new MimeMessage(jakarta.mail.Session.getInstance(new Properties()),
                        new ByteArrayInputStream(bytes)));
            }
            catch (MessagingException ex) {
                logger.debug("Kept no copy of an unreadable message", ex);
            }
            for (String recipient : recipients) {
                if (DemoMailboxes.bouncesLater(recipient) && sender != null && !sender.isEmpty() && bouncePort > 0) {
                    String returnPath = sender;
                    bounces.schedule(() -> bounce(returnPath, recipient, bytes), bounceDelay.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
            }
            return null;
        }

        @Override
        public void done() {
        }

    }

    /**
     * A delivery status notification in Postfix's shape, to the message's return path.
     */
    private void bounce(String returnPath, String recipient, byte[] original) {
        String text = new String(original, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String headers = (end >= 0) ? text.substring(0, end) : text;
        String boundary = "bounce-" + Long.toHexString(System.nanoTime());
        String dsn = """
                Date: %1$s
                From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
                To: %2$s
                Subject: Undelivered Mail Returned to Sender
                Auto-Submitted: auto-replied
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="%3$s"

                --%3$s
                Content-Type: text/plain; charset=us-ascii

                This is the mail system at host mx.example.com.

                I'm sorry to have to inform you that your message could not
                be delivered to one or more recipients.

                <%4$s>: host mailstore.example.com said: 550 5.1.1 <%4$s>:
                    mailbox unavailable: this account was closed

                --%3$s
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.com

                Final-Recipient: rfc822; %4$s
                Action: failed
                Status: 5.1.1
                Diagnostic-Code: smtp; 550 5.1.1 <%4$s>: mailbox unavailable: this account was closed

                --%3$s
                Content-Type: text/rfc822-headers

                %5$s

                --%3$s--
                """.formatted(DATE.format(ZonedDateTime.now(ZoneOffset.UTC)), returnPath, boundary, recipient, headers)
            .replace("\n", "\r\n");
        Properties settings = new Properties();
        settings.put("mail.smtp.host", "127.0.0.1");
        settings.put("mail.smtp.port", Integer.toString(bouncePort));
        settings.put("mail.smtp.from", "");
        jakarta.mail.Session session = jakarta.mail.Session.getInstance(settings);
        try {
            MimeMessage message = new MimeMessage(session,
                    new ByteArrayInputStream(dsn.getBytes(StandardCharsets.ISO_8859_1)));
            Transport.send(message, new Address[] { new InternetAddress(returnPath) });
        }
        catch (MessagingException ex) {
            logger.info("The demo bounce for " + recipient + " could not be delivered: " + ex.getMessage());
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName("127.0.0.1");
        }
        catch (UnknownHostException ex) {
            throw new IllegalStateException(ex);
        }
    }

}
