package io.flowbatch.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import io.flowbatch.support.TestSmtpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.MessagingException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.mail.javamail.JavaMailSenderImpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The SMTP client against a real server on loopback ({@link TestSmtpServer}): pipelined
 * sends where every message keeps its own result, in doubt only what was on the wire,
 * servers without PIPELINING, pooled connections, STARTTLS and AUTH.
 */
class SmtpSenderTest {

    private static final MessageFactory MESSAGES = new MessageFactory(properties(1, 16), ReturnPathTest.none(),
            DkimSignerTest.none(), Clock.systemUTC());

    private final TestSmtpServer smtp = TestSmtpServer.shared();

    private final List<SmtpSender> senders = new ArrayList<>();

    @BeforeEach
    void reset() {
        smtp.reset();
    }

    @AfterEach
    void close() {
        senders.forEach(SmtpSender::destroy);
    }

    @Test
    void aRecipientRefusedInTheMiddleOfAPipelineFailsAloneAndTheConnectionGoesOn() {
        smtp.replyAlways("c3@example.com", "550 5.1.1 no such user");
        smtp.replyAlways("c5@example.com", "452 4.2.2 mailbox full");

        List<SendResult> results = sender(1, new Properties()).send(messages(8), () -> true);

        assertThat(results).extracting(SendResult::kind)
            .containsExactly(SendResult.Kind.SENT, SendResult.Kind.SENT, SendResult.Kind.PERMANENT,
                    SendResult.Kind.SENT, SendResult.Kind.TRANSIENT, SendResult.Kind.SENT, SendResult.Kind.SENT,
                    SendResult.Kind.SENT);
        assertThat(results.get(2).reply()).isEqualTo("550 5.1.1 no such user");
        assertThat(results.get(0).reply()).startsWith("250");
        assertThat(smtp.received()).extracting(TestSmtpServer.Received::recipient)
            .containsExactly("c1@example.com", "c2@example.com", "c4@example.com", "c6@example.com", "c7@example.com",
                    "c8@example.com");
        assertThat(smtp.connections()).as("one connection carried all eight").isEqualTo(1);
    }

    @Test
    void aConnectionDroppedMidPipelineLeavesInDoubtOnlyTheMessageWhoseEndOfDataWasOnTheWire() {
        smtp.dropAfterData("c4@example.com");

        List<SendResult> results = sender(1, new Properties()).send(messages(8), () -> true);

        assertThat(results).extracting(SendResult::kind)
            .containsExactly(SendResult.Kind.SENT, SendResult.Kind.SENT, SendResult.Kind.SENT, SendResult.Kind.UNKNOWN,
                    SendResult.Kind.SENT, SendResult.Kind.SENT, SendResult.Kind.SENT, SendResult.Kind.SENT);
        // The fifth message's envelope went out with the fourth's end of data, on the
        // connection that broke: never its content, so it went again on a new one.
        assertThat(smtp.received()).hasSize(7);
        assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
        assertThat(smtp.connections()).isEqualTo(2);
    }

    @Test
    void aServerWithoutPipeliningIsServedOneCommandAtATime() {
        smtp.pipelining(false);
        smtp.replyAlways("c2@example.com", "550 5.1.1 no such user");

        List<SendResult> results = sender(1, new Properties()).send(messages(4), () -> true);

        assertThat(results).extracting(SendResult::kind)
            .containsExactly(SendResult.Kind.SENT, SendResult.Kind.PERMANENT, SendResult.Kind.SENT,
                    SendResult.Kind.SENT);
        assertThat(smtp.received()).hasSize(3);
        assertThat(smtp.pipelinedUnasked()).as("commands sent before the previous reply").isZero();
    }

    @Test
    void connectionsAreKeptForTheNextChunkAndOneTheServerClosedMeanwhileIsReplacedWithoutALoss() {
        SmtpSender sender = sender(2, new Properties());
        // A slow server keeps both slices of the first chunk busy at once, so that each
        // opens its connection: a slice that finished first could otherwise hand its
        // connection on, leave one in the pool, and the second chunk open another.
        smtp.delayPerMessage(Duration.ofMillis(30));

        sender.send(messages(1, 6), () -> true);
        int opened = smtp.connections();
        assertThat(opened).isEqualTo(2);
        sender.send(messages(7, 6), () -> true);
        assertThat(smtp.connections()).as("the second chunk opened none").isEqualTo(opened);

        smtp.closeSessions();
        List<SendResult> results = sender.send(messages(13, 6), () -> true);

        assertThat(results).extracting(SendResult::kind).containsOnly(SendResult.Kind.SENT);
        assertThat(smtp.connections()).isBetween(opened + 1, opened + 2);
        assertThat(smtp.received()).hasSize(18);
        assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
    }

    @Test
    void noMoreConnectionsThanTheMaximumAreOpenedWhateverTheChunksAsk() {
        DeliveryProperties properties = properties(4, 1);
        SmtpSender sender = new SmtpSender(mailSender(new Properties()), properties, new SimpleMeterRegistry());
        senders.add(sender);

        List<SendResult> results = sender.send(messages(12), () -> true);

        assertThat(results).extracting(SendResult::kind).containsOnly(SendResult.Kind.SENT);
        assertThat(smtp.connections()).isEqualTo(1);
    }

    @Test
    void eachWindowIsReservedBeforeItGoesAndItsResultsComeWithTheNextReservation() {
        smtp.replyAlways("c2@example.com", "550 5.1.1 no such user");
        List<String> calls = new ArrayList<>();
        SendLedger ledger = (settled, next) -> {
            calls.add(settled.keySet() + " then " + next);
            Set<Integer> reserved = new HashSet<>(next);
            // Index 4 is no longer this sender's.
            reserved.remove(4);
            return reserved;
        };

        List<SendResult> results = sender(1, new Properties()).send(messages(7), () -> true, ledger);

        assertThat(calls).containsExactly("[] then [0, 1, 2]", "[0, 1, 2] then [3, 4, 5]", "[3, 5] then [6]");
        assertThat(results).extracting(SendResult::kind)
            .containsExactly(SendResult.Kind.SENT, SendResult.Kind.PERMANENT, SendResult.Kind.SENT,
                    SendResult.Kind.SENT, SendResult.Kind.WITHHELD, SendResult.Kind.SENT, SendResult.Kind.SENT);
        assertThat(smtp.received()).extracting(TestSmtpServer.Received::recipient)
            .containsExactly("c1@example.com", "c3@example.com", "c4@example.com", "c6@example.com", "c7@example.com");
    }

    /**
     * A content larger than the client's buffer went to the socket outside the watched
     * flush: a server that stopped reading blocked the send for ever, past the write
     * timeout that the send grace counts on.
     */
    @Test
    void aServerThatStopsReadingMidContentFailsTheMessageAtTheWriteTimeout() throws Exception {
        smtp.stopReadingAtData("c1@example.com");
        PreparedMessage large = message(1, ("x".repeat(76) + "\n").repeat(300_000));
        Properties quick = new Properties();
        quick.setProperty("mail.smtp.writetimeout", "500");

        List<SendResult> results = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> sender(1, quick).send(List.of(large), () -> true));

        assertThat(results).singleElement().satisfies((result) -> {
            assertThat(result.kind()).isEqualTo(SendResult.Kind.TRANSIENT);
            assertThat(result.reply()).contains("before the end of data, not delivered");
        });
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void startTlsAndAuthAreUsedWhenConfigured() {
        smtp.requireLogin("shop", "secret");
        JavaMailSenderImpl mailSender = loggingInOverStartTls("secret");

        List<SendResult> results = sender(mailSender).send(messages(3), () -> true);

        assertThat(results).extracting(SendResult::kind).containsOnly(SendResult.Kind.SENT);
        assertThat(smtp.received()).allSatisfy((received) -> {
            assertThat(received.tls()).isTrue();
            assertThat(received.user()).isEqualTo("shop");
        });
    }

    @Test
    void aRejectedLoginLeavesEveryMessageUnsentAndSaysWhy() {
        smtp.requireLogin("shop", "secret");
        JavaMailSenderImpl mailSender = loggingInOverStartTls("wrong");

        List<SendResult> results = sender(mailSender).send(messages(3), () -> true);

        assertThat(results).allSatisfy((result) -> {
            assertThat(result.kind()).isEqualTo(SendResult.Kind.TRANSIENT);
            assertThat(result.unreachable()).isTrue();
            assertThat(result.reply()).contains("AUTH PLAIN answered 535");
        });
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void withoutStartTlsOnTheServerARequiredStartTlsSendsNothing() {
        Properties tls = new Properties();
        tls.setProperty("mail.smtp.starttls.enable", "true");
        tls.setProperty("mail.smtp.starttls.required", "true");

        List<SendResult> results = sender(mailSender(tls)).send(messages(2), () -> true);

        assertThat(results).allSatisfy((result) -> assertThat(result.reply()).contains("does not offer STARTTLS"));
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void aBareLineFeedAndALeadingDotArriveAsTheyWereWritten() throws Exception {
        PreparedMessage message = message(1, "first line\n.leading dot\nlast line");

        List<SendResult> results = sender(1, new Properties()).send(List.of(message), () -> true);

        assertThat(results).extracting(SendResult::kind).containsExactly(SendResult.Kind.SENT);
        // DATA ends on a line break: the last line gets one.
        assertThat(smtp.received().get(0).parse().getContent().toString().replace("\r\n", "\n"))
            .isEqualTo("first line\n.leading dot\nlast line\n");
    }

    @Test
    void aTimeoutThatIsNotSetFailsStartUpNamingTheProperty() {
        Properties none = new Properties();
        none.setProperty("mail.smtp.connectiontimeout", "1000");
        none.setProperty("mail.smtp.timeout", "0");
        JavaMailSenderImpl mailSender = new JavaMailSenderImpl();
        mailSender.setHost("127.0.0.1");
        mailSender.setJavaMailProperties(none);

        assertThatIllegalStateException().isThrownBy(() -> SmtpRelay.of(mailSender))
            .withMessageContaining("spring.mail.properties.mail.smtp.timeout");
    }

    /**
     * STARTTLS required, trusting the test server's certificate (whose name is not
     * 127.0.0.1), then AUTH as "shop".
     */
    private JavaMailSenderImpl loggingInOverStartTls(String password) {
        Properties tls = new Properties();
        tls.setProperty("mail.smtp.starttls.enable", "true");
        tls.setProperty("mail.smtp.starttls.required", "true");
        tls.setProperty("mail.smtp.ssl.checkserveridentity", "false");
        tls.put("mail.smtp.ssl.socketFactory", TestSmtpServer.trustingClient());
        JavaMailSenderImpl mailSender = mailSender(tls);
        mailSender.setUsername("shop");
        mailSender.setPassword(password);
        return mailSender;
    }

    private SmtpSender sender(int connections, Properties properties) {
        SmtpSender sender = new SmtpSender(mailSender(properties), properties(connections, 16),
                new SimpleMeterRegistry());
        senders.add(sender);
        return sender;
    }

    private SmtpSender sender(JavaMailSenderImpl mailSender) {
        SmtpSender sender = new SmtpSender(mailSender, properties(1, 16), new SimpleMeterRegistry());
        senders.add(sender);
        return sender;
    }

    private static DeliveryProperties properties(int connections, int maxConnections) {
        return new DeliveryProperties(DeliveryProperties.Guarantee.AT_MOST_ONCE, "flowbatch.local", connections,
                maxConnections, Duration.ofSeconds(30), 3, 3, Duration.ofMillis(200), 5, Duration.ofMinutes(5),
                "http://localhost:8080", null, Duration.ofHours(16), List.of());
    }

    private JavaMailSenderImpl mailSender(Properties extra) {
        JavaMailSenderImpl mailSender = new JavaMailSenderImpl();
        mailSender.setHost("127.0.0.1");
        mailSender.setPort(smtp.port());
        Properties properties = new Properties();
        properties.setProperty("mail.smtp.connectiontimeout", "5000");
        properties.setProperty("mail.smtp.timeout", "5000");
        properties.setProperty("mail.smtp.writetimeout", "5000");
        properties.putAll(extra);
        mailSender.setJavaMailProperties(properties);
        return mailSender;
    }

    private static List<PreparedMessage> messages(int count) {
        return messages(1, count);
    }

    /** Numbered from {@code first}: each has a Message-ID of its own. */
    private static List<PreparedMessage> messages(int first, int count) {
        List<PreparedMessage> messages = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            messages.add(message(i));
        }
        return messages;
    }

    private static PreparedMessage message(int n) {
        return message(n, "Hello " + n);
    }

    private static PreparedMessage message(int n, String body) {
        try {
            return MESSAGES.build(new OutgoingEmail(n, "c" + n + "@example.com", null, "shop@example.com",
                    "https://example.com/u/" + n), new RenderedEmail("message " + n, body, null));
        }
        catch (MessagingException ex) {
            throw new IllegalStateException(ex);
        }
    }

}
