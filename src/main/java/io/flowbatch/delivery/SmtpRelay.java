package io.flowbatch.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Properties;

import javax.net.ssl.SSLSocketFactory;

import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * Where and how to reach one mail relay: the standard {@code spring.mail.*} settings,
 * read the way Jakarta Mail reads them, so a configuration written for Spring's mail
 * sender works unchanged.
 *
 * @param host the relay's host
 * @param port its port
 * @param implicitTls TLS from the first byte ({@code smtps}, or
 * {@code mail.smtp.ssl.enable})
 * @param startTls upgrade with STARTTLS when the server offers it
 * ({@code mail.smtp.starttls.enable})
 * @param startTlsRequired refuse to send in clear ({@code mail.smtp.starttls.required})
 * @param checkServerIdentity the server's certificate must name the host
 * ({@code mail.smtp.ssl.checkserveridentity}, on unless set to false)
 * @param tlsSockets where TLS sockets come from
 * @param username AUTH user, null for none
 * @param password AUTH password
 * @param connectTimeout {@code mail.smtp.connectiontimeout}
 * @param readTimeout {@code mail.smtp.timeout}: the longest wait for any reply
 * @param writeTimeout {@code mail.smtp.writetimeout}: the longest a write may block
 * @param heloName the name this client gives in EHLO ({@code mail.smtp.localhost})
 * @param envelopeFrom MAIL FROM for every message ({@code mail.smtp.from}); null: the
 * message's From
 */
record SmtpRelay(String host, int port, boolean implicitTls, boolean startTls, boolean startTlsRequired,
        boolean checkServerIdentity, SSLSocketFactory tlsSockets, String username, String password,
        Duration connectTimeout, Duration readTimeout, Duration writeTimeout, String heloName, String envelopeFrom) {

    static SmtpRelay of(JavaMailSenderImpl mailSender) {
        Properties properties = mailSender.getJavaMailProperties();
        String protocol = (mailSender.getProtocol() != null) ? mailSender.getProtocol() : "smtp";
        String prefix = "mail." + protocol + ".";
        boolean implicitTls = "smtps".equals(protocol) || flag(properties, prefix + "ssl.enable", false);
        int port = (mailSender.getPort() > 0) ? mailSender.getPort() : (implicitTls ? 465 : 25);
        Object factory = properties.get(prefix + "ssl.socketFactory");
        SSLSocketFactory tlsSockets = (factory instanceof SSLSocketFactory ssl) ? ssl
                : (SSLSocketFactory) SSLSocketFactory.getDefault();
        String username = mailSender.getUsername();
        return new SmtpRelay(mailSender.getHost(), port, implicitTls,
                flag(properties, prefix + "starttls.enable", false),
                flag(properties, prefix + "starttls.required", false),
                flag(properties, prefix + "ssl.checkserveridentity", true), tlsSockets,
                (username != null && !username.isEmpty()) ? username : null, mailSender.getPassword(),
                timeout(properties, prefix + "connectiontimeout"), timeout(properties, prefix + "timeout"),
                timeout(properties, prefix + "writetimeout"), heloName(properties.getProperty(prefix + "localhost")),
                properties.getProperty(prefix + "from"));
    }

    /**
     * The longest a message handed to a connection can take to reach the server or fail:
     * its content's write plus the wait for the end-of-data reply.
     */
    Duration longestHandover() {
        return writeTimeout.plus(readTimeout).plus(SmtpConnections.WATCH_INTERVAL);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }

    private static boolean flag(Properties properties, String name, boolean otherwise) {
        String value = properties.getProperty(name);
        return (value != null) ? Boolean.parseBoolean(value.strip()) : otherwise;
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

    private static String heloName(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured.strip();
        }
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return (name != null && !name.isBlank()) ? name : "localhost";
        }
        catch (UnknownHostException ex) {
            return "localhost";
        }
    }

}
