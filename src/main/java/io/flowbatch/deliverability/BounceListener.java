package io.flowbatch.deliverability;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.OptionalLong;

import io.flowbatch.delivery.BounceProperties;
import io.flowbatch.delivery.ReturnPath;
import jakarta.mail.MessagingException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.subethamail.smtp.TooMuchDataException;
import org.subethamail.smtp.helper.SimpleMessageListener;
import org.subethamail.smtp.server.SMTPServer;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The inbound SMTP listener for the return-path domain ({@code flowbatch.bounces.smtp.*},
 * off unless a port is set). It takes mail for that domain only, never relays, and
 * refuses other recipients with a 5xx; what arrives is read as a bounce or a complaint
 * and applied to the message its return path names. A report for a forged or unknown
 * return path, or one that says nothing flowbatch acts on, is kept as rejected and
 * changes nothing.
 */
@Component
class BounceListener implements SmartLifecycle, SimpleMessageListener {

    static final String SOURCE = "smtp";

    private static final Log logger = LogFactory.getLog(BounceListener.class);

    private final BounceProperties properties;

    private final ReturnPath returnPath;

    private final Bounces bounces;

    private final DeliveryEvents events;

    private volatile SMTPServer server;

    BounceListener(BounceProperties properties, ReturnPath returnPath, Bounces bounces, DeliveryEvents events) {
        this.properties = properties;
        this.returnPath = returnPath;
        this.bounces = bounces;
        this.events = events;
    }

    /** Only the return-path domain's addresses: never a relay for anything else. */
    @Override
    public boolean accept(String from, String recipient) {
        String domain = properties.returnPathDomain();
        return domain != null && recipient != null
                && recipient.toLowerCase(Locale.ROOT).endsWith("@" + domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public void deliver(String from, String recipient, InputStream data) throws IOException, TooMuchDataException {
        // The library enforces the size only for a client that declares it: read at most
        // one byte more than allowed, and refuse (552) what is larger.
        long limit = properties.smtp().maxMessageSize().toBytes();
        byte[] message = data.readNBytes((int) Math.min(Integer.MAX_VALUE - 1, limit) + 1);
        if (message.length > limit) {
            throw new TooMuchDataException("larger than " + properties.smtp().maxMessageSize() + " bytes");
        }
        BounceReports.Report report;
        try {
            report = BounceReports.read(new ByteArrayInputStream(message));
        }
        catch (MessagingException | RuntimeException ex) {
            events.reject("not a readable message: " + ex.getMessage(), recipient, null, SOURCE);
            return;
        }
        // A feedback loop writes to the address registered with it, not to the message's
        // return path; the report names that return path (signed, so it is trusted
        // alike).
        OptionalLong evaluationId = returnPath.evaluationId(recipient);
        if (evaluationId.isEmpty() && report.returnPath() != null) {
            evaluationId = returnPath.evaluationId(report.returnPath());
        }
        if (evaluationId.isEmpty()) {
            events.reject("the return path is forged or unknown", recipient, report.diagnostic(), SOURCE);
        }
        else if (report.type() == null) {
            events.reject(report.diagnostic(), recipient, null, SOURCE);
        }
        else {
            bounces.report(evaluationId.getAsLong(), report.type(), report.diagnostic(), SOURCE);
        }
    }

    @Override
    public synchronized void start() {
        BounceProperties.Smtp smtp = properties.smtp();
        if (!smtp.enabled() || server != null) {
            return;
        }
        SMTPServer started = SMTPServer.port(smtp.port())
            .bindAddress(address(smtp.bindAddress()))
            .hostName(properties.returnPathDomain())
            .maxMessageSize((int) Math.min(Integer.MAX_VALUE, smtp.maxMessageSize().toBytes()))
            .maxConnections(smtp.maxConnections())
            .simpleMessageListener(this)
            .build();
        started.start();
        server = started;
        logger.info("Receiving bounces and complaints for " + properties.returnPathDomain() + " by SMTP on "
                + smtp.bindAddress() + ":" + smtp.port());
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    private static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        }
        catch (UnknownHostException ex) {
            throw new IllegalStateException("flowbatch.bounces.smtp.bind-address is not an address: " + host, ex);
        }
    }

}
