package io.flowbatch.delivery;

import java.util.Properties;

import org.springframework.boot.mail.autoconfigure.MailProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.util.ClassUtils;

/**
 * The mail settings, from the standard {@code spring.mail.*} properties, with timeouts on
 * top, so a stalled server fails a message instead of hanging the job. {@link SmtpSender}
 * reads the relay's settings from it and sends over its own connections; the messages are
 * written by {@link MessageFactory}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MailProperties.class)
class MailSenderConfiguration {

    /**
     * Jakarta Mail 2.1 looks up its {@code StreamProvider} with a ServiceLoader scan of
     * every jar on the class path each time a body part is created or encoded: measured
     * with JFR, 40 % of the job's CPU at 100,000 messages when it built them. It still
     * parses messages (the embedded outbox, the mail health check). A system property,
     * when set, is read first and skips the scan; it names the implementation that the
     * scan would find anyway.
     */
    static final String STREAM_PROVIDER = "jakarta.mail.util.StreamProvider";

    static final String ANGUS_STREAM_PROVIDER = "org.eclipse.angus.mail.util.MailStreamProvider";

    @Bean
    JavaMailSenderImpl mailSender(MailProperties mail) {
        if (System.getProperty(STREAM_PROVIDER) == null
                && ClassUtils.isPresent(ANGUS_STREAM_PROVIDER, MailSenderConfiguration.class.getClassLoader())) {
            System.setProperty(STREAM_PROVIDER, ANGUS_STREAM_PROVIDER);
        }
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost(mail.getHost());
        if (mail.getPort() != null) {
            sender.setPort(mail.getPort());
        }
        sender.setUsername(mail.getUsername());
        sender.setPassword(mail.getPassword());
        sender.setProtocol(mail.getProtocol());
        if (mail.getDefaultEncoding() != null) {
            sender.setDefaultEncoding(mail.getDefaultEncoding().name());
        }
        Properties properties = new Properties();
        String prefix = "mail." + mail.getProtocol() + ".";
        properties.setProperty(prefix + "connectiontimeout", "10000");
        properties.setProperty(prefix + "timeout", "30000");
        properties.setProperty(prefix + "writetimeout", "30000");
        properties.putAll(mail.getProperties());
        sender.setJavaMailProperties(properties);
        return sender;
    }

}
