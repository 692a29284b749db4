package io.flowbatch.delivery;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender asks its permit before each message and again right before the message's end
 * of data: a sender whose claim ended while a message was on its way never completes it,
 * and the server, which takes a message only with its final ".", discards it.
 */
@FlowbatchTest
class SendPermitTest {

    @Autowired
    SmtpSender sender;

    private final TestSmtpServer smtp = TestSmtpServer.shared();

    @BeforeEach
    void reset() {
        smtp.reset();
    }

    @Test
    void aPermitWithdrawnWhileAMessageIsOnItsWayWithholdsItsEndOfData() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        // Granted at the check before the hand-over, withdrawn by the time of the end of
        // data.
        SendPermit permit = () -> asked.incrementAndGet() == 1;

        List<SendResult> results = sender.send(List.of(message(1)), permit);

        assertThat(results).extracting(SendResult::kind).containsExactly(SendResult.Kind.WITHHELD);
        assertThat(asked).hasValue(2);
        assertThat(smtp.countByMessageId()).as("nothing was completed").isEmpty();
    }

    @Test
    void aPermitWithdrawnBeforeTheHandOverSendsNothingMore() throws Exception {
        AtomicBoolean granted = new AtomicBoolean(true);

        List<SendResult> first = sender.send(List.of(message(1), message(2)), granted::get);
        granted.set(false);
        List<SendResult> then = sender.send(List.of(message(3), message(4)), granted::get);

        assertThat(first).extracting(SendResult::kind).containsOnly(SendResult.Kind.SENT);
        assertThat(then).extracting(SendResult::kind).containsOnly(SendResult.Kind.WITHHELD);
        assertThat(smtp.countByMessageId()).containsOnlyKeys("<permit-1@flowbatch.local>",
                "<permit-2@flowbatch.local>");
    }

    private MimeMessage message(int n) throws Exception {
        MimeMessage message = new MimeMessage(sender.session()) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<permit-" + n + "@flowbatch.local>");
            }
        };
        message.setFrom(new InternetAddress("shop@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("customer" + n + "@example.com"));
        message.setSubject("permit " + n);
        message.setText("Hello " + n);
        return message;
    }

}
