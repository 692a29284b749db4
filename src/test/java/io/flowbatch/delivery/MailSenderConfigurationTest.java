package io.flowbatch.delivery;

import java.net.Socket;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import static org.assertj.core.api.Assertions.assertThat;

/** Without TCP_NODELAY a multipart message stalls ~40 ms on every send. */
@FlowbatchTest
class MailSenderConfigurationTest {

    @Autowired
    JavaMailSenderImpl mailSender;

    @Test
    void smtpSocketsAreCreatedWithoutNagle() throws Exception {
        Object factory = mailSender.getJavaMailProperties().get("mail.smtp.socketFactory");

        assertThat(factory).isInstanceOf(NoDelaySocketFactory.class);
        try (Socket socket = ((NoDelaySocketFactory) factory).createSocket("127.0.0.1",
                TestSmtpServer.shared().port())) {
            assertThat(socket.getTcpNoDelay()).isTrue();
        }
        assertThat(mailSender.getJavaMailProperties().getProperty("mail.smtp.timeout")).isEqualTo("30000");
    }

}
