package io.flowbatch.deliverability;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.flowbatch.delivery.ReturnPath;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.ActionStatusRequest;
import io.flowbatch.support.DkimKeys;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import jakarta.mail.Address;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Deliverability end to end on real PostgreSQL, Redis and SMTP: 1,000 messages go out; 30
 * come back as delivery status notifications through the inbound SMTP listener (sent by a
 * real SMTP client to each message's return path) and 5 are complained about through the
 * Mailgun webhook. The 35 addresses are suppressed, the reputation guard pauses the
 * action on the complaint that takes its rate above 0.3 % (the fourth: 4 of 1,000), its
 * due evaluations wait, and once resumed the next run skips the 35 with their reasons and
 * sends the other 965. Every message is DKIM-signed and verifies as the relay stored it.
 */
@FlowbatchTest
class DeliverabilityEndToEndTest {

    static final int PORT = Fixtures.freePort();

    static final String DOMAIN = "bounces.shop.example";

    static final String MAILGUN_KEY = "end-to-end-signing-key";

    static final Path DKIM_KEY = DkimKeys.privateKeyFile(temporaryDirectory());

    @DynamicPropertySource
    static void deliverability(DynamicPropertyRegistry registry) {
        registry.add("spring.quartz.scheduler-name", () -> "flowbatch-deliverability-end-to-end-test");
        registry.add("flowbatch.bounces.return-path-domain", () -> DOMAIN);
        registry.add("flowbatch.bounces.smtp.port", () -> PORT);
        registry.add("flowbatch.bounces.smtp.bind-address", () -> "127.0.0.1");
        registry.add("flowbatch.webhooks.mailgun.signing-key", () -> MAILGUN_KEY);
        registry.add("flowbatch.dkim[example.com].selector", () -> DkimKeys.SELECTOR);
        registry.add("flowbatch.dkim[example.com].private-key", () -> "file:" + DKIM_KEY);
    }

    @Autowired
    Fixtures fixture;

    @Autowired
    ReturnPath returnPath;

    @Autowired
    MockMvc mvc;

    @Test
    void bouncesAndComplaintsSuppressTheirAddressesAndTheGuardPausesTheActionAtItsRate() throws Exception {
        fixture.reset();
        long action = fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 1000);
        fixture.runMinute();
        assertThat(fixture.smtp().received()).hasSize(1000);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(1000);
        assertThat(fixture.smtp().received())
            .as("every message the relay stored verifies against the DKIM key published for example.com")
            .allSatisfy((received) -> assertThat(DkimKeys.verifier("example.com")
                .verify(new ByteArrayInputStream(received.raw().getBytes(StandardCharsets.ISO_8859_1)))).hasSize(1));

        bounceThroughTheListener(0, 30);
        assertThat(fixture.count("state = 'BOUNCED'")).isEqualTo(30);
        assertThat(actionStatus(action)).as("30 hard bounces of 1,000 is 3 %, under 5 %").isEqualTo("LIVE");

        for (int customer = 30; customer < 35; customer++) {
            complainThroughMailgun(customer);
            assertThat(actionStatus(action)).as("after %d complaints", customer - 29)
                .isEqualTo((customer < 33) ? "LIVE" : "PAUSED");
        }
        assertThat(reason(action)).isEqualTo(
                "paused by the reputation guard: complaint rate 0.40 % (4 of the action's latest 1000 sends) is above 0.30 %");
        assertThat(fixture.count("state = 'COMPLAINED'")).isEqualTo(5);
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT count(*) FROM customer WHERE suppressed_at IS NOT NULL")
            .query(Long.class)
            .single()).isEqualTo(35);

        fixture.events(Fixtures.TRIGGER, 0, 1000, Instant.now().minus(Duration.ofHours(2)));
        fixture.runMinute();
        assertThat(fixture.smtp().received()).as("the paused action sends nothing").hasSize(1000);
        assertThat(fixture.count("state = 'WAITING'")).as("and loses nothing").isEqualTo(1000);

        fixture.flows().changeActionStatus(action, new ActionStatusRequest(ActionStatus.LIVE));
        fixture.runMinute();
        assertThat(fixture.smtp().received()).hasSize(1000 + 965);
        assertThat(fixture.count("state = 'SKIPPED' AND reason LIKE 'customer suppressed: hard bounce: %5.1.1%'"))
            .isEqualTo(30);
        assertThat(fixture.count("state = 'SKIPPED' AND reason = 'customer suppressed: complaint: 550 spam'"))
            .isEqualTo(5);
        assertThat(fixture.smtp().countByRecipient()).as("a bounced or complaining address is not mailed again")
            .containsEntry(Fixtures.email(0), 1L)
            .containsEntry(Fixtures.email(34), 1L)
            .containsEntry(Fixtures.email(35), 2L);
    }

    /**
     * One DSN a message, in Postfix's shape, over one SMTP connection with a null sender.
     */
    private void bounceThroughTheListener(int from, int to) throws Exception {
        Properties settings = new Properties();
        settings.put("mail.smtp.host", "127.0.0.1");
        settings.put("mail.smtp.port", Integer.toString(PORT));
        settings.put("mail.smtp.from", "");
        Session session = Session.getInstance(settings);
        try (InputStream dsn = getClass().getResourceAsStream("/bounces/postfix-user-unknown.eml");
                Transport transport = session.getTransport("smtp")) {
            MimeMessage bounce = new MimeMessage(session, dsn);
            transport.connect();
            for (int customer = from; customer < to; customer++) {
                transport.sendMessage(bounce, new Address[] { new InternetAddress(returnPathOf(customer)) });
            }
        }
    }

    private void complainThroughMailgun(int customer) throws Exception {
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        String token = "token-" + customer;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(MAILGUN_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = HexFormat.of().formatHex(mac.doFinal((timestamp + token).getBytes(StandardCharsets.UTF_8)));
        String messageId = fixture.messageIdSentTo(customer);
        mvc.perform(post("/api/webhooks/mailgun").contentType(MediaType.APPLICATION_JSON)
            .content("""
                    {"signature": {"timestamp": "%s", "token": "%s", "signature": "%s"},
                     "event-data": {"event": "complained", "recipient": "%s",
                       "delivery-status": {"message": "550 spam"},
                       "message": {"headers": {"message-id": "%s"}}}}
                    """.formatted(timestamp, token, signature, Fixtures.email(customer),
                    messageId.substring(1, messageId.length() - 1))))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.applied").value(1));
    }

    private String returnPathOf(int customer) {
        return returnPath.address(fixture.evaluationSentTo(customer));
    }

    private String actionStatus(long action) {
        return column("status", action);
    }

    private String reason(long action) {
        return column("status_reason", action);
    }

    private String column(String column, long action) {
        List<String> values = fixture.data()
            .jdbc()
            .sql("SELECT " + column + " FROM action WHERE id = :id")
            .param("id", action)
            .query(String.class)
            .list();
        return values.get(0);
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("dkim");
        }
        catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

}
