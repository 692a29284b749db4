package io.flowbatch.delivery;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
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

    @Autowired
    MessageFactory messages;

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
        assertThat(smtp.countByMessageId()).containsOnlyKeys(messages.messageId(1), messages.messageId(2));
    }

    private PreparedMessage message(int n) throws Exception {
        return messages.build(new OutgoingEmail(n, "customer" + n + "@example.com", null, "shop@example.com",
                "https://example.com/u/" + n), new RenderedEmail("permit " + n, "Hello " + n, null));
    }

}
