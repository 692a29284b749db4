package io.flowbatch.embedded;

import io.flowbatch.admin.ReceivedMail;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Shows the embedded SMTP sink's messages on the admin outbox page, while the sink runs.
 */
@Configuration(proxyBeanMethods = false)
class EmbeddedMailConfiguration {

    @Bean
    ReceivedMail embeddedSmtpMessages() {
        return () -> EmbeddedServices.runningSmtp().map(EmbeddedSmtpServer::receivedMessages);
    }

}
