package io.flowbatch.deliverability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The provider webhooks on real PostgreSQL, Redis and SMTP, each provider emulated by
 * requests signed the way it documents: Amazon SES through SNS (RSA signatures whose
 * certificate a local HTTPS server publishes, as SNS does), SendGrid (ECDSA), Postmark
 * (Basic credentials) and Mailgun (HMAC). Genuine events suppress and move their
 * evaluations, a replay counts once, and a forged signature, a certificate from another
 * host, an old timestamp, wrong credentials or an unreadable body are refused, kept as
 * rejected and suppress nobody.
 */
@FlowbatchTest
class ProviderWebhooksTest {

    static final String MAILGUN_KEY = "mailgun-signing-key";

    static final KeyPair SENDGRID = ecKeyPair();

    static final Path KEYS = keys();

    static final List<String> FETCHED = new CopyOnWriteArrayList<>();

    static final HttpsServer SNS = snsCertificateServer();

    static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-feedback";

    /** Where SNS publishes a signing certificate. */
    static final String CERTIFICATE_PATH = "/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem";

    @DynamicPropertySource
    static void webhooks(DynamicPropertyRegistry registry) {
        registry.add("spring.quartz.scheduler-name", () -> "flowbatch-provider-webhooks-test");
        registry.add("flowbatch.webhooks.mailgun.signing-key", () -> MAILGUN_KEY);
        registry.add("flowbatch.webhooks.sendgrid.public-key",
                () -> Base64.getEncoder().encodeToString(SENDGRID.getPublic().getEncoded()));
        registry.add("flowbatch.webhooks.postmark.username", () -> "postmark");
        registry.add("flowbatch.webhooks.postmark.password", () -> "hook-secret");
        registry.add("flowbatch.webhooks.ses.enabled", () -> "true");
        registry.add("flowbatch.webhooks.ses.certificate-host", () -> "localhost");
        registry.add("flowbatch.webhooks.ses.topic-arns", () -> TOPIC);
        registry.add("flowbatch.webhooks.ses.ssl-bundle", () -> "sns-test");
        registry.add("spring.ssl.bundle.jks.sns-test.truststore.location", () -> "file:" + KEYS.resolve("trust.p12"));
        registry.add("spring.ssl.bundle.jks.sns-test.truststore.password", () -> "changeit");
        registry.add("spring.ssl.bundle.jks.sns-test.truststore.type", () -> "PKCS12");
    }

    @Autowired
    Fixtures fixture;

    @Autowired
    MockMvc mvc;

    @BeforeEach
    void sent() throws Exception {
        fixture.reset();
        fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 8);
        fixture.runMinute();
    }

    @AfterAll
    static void stop() {
        SNS.stop(0);
    }

    @Test
    void sesNotificationsSignedWithThePublishedCertificateAreAppliedOnceAndForgedOnesRefused() throws Exception {
        String confirmation = sns("SubscriptionConfirmation", "You have chosen to subscribe", certificateUrl(),
                Instant.now());
        ses(confirmation).andExpect(status().isOk());
        assertThat(FETCHED).as("the subscription is confirmed at its SubscribeURL").contains("/confirm");

        String bounce = sns("Notification", sesBounce(fixture.messageIdSentTo(0), Fixtures.email(0)), certificateUrl(),
                Instant.now());
        ses(bounce).andExpect(status().isOk()).andExpect(jsonPath("$.applied").value(1));
        ses(bounce).andExpect(status().isOk()).andExpect(jsonPath("$.duplicates").value(1));
        assertThat(fixture.count("state = 'BOUNCED'")).isOne();

        String complaint = sns("Notification", sesComplaint(fixture.messageIdSentTo(1), Fixtures.email(1)),
                certificateUrl(), Instant.now());
        ses(complaint).andExpect(status().isOk()).andExpect(jsonPath("$.applied").value(1));
        assertThat(fixture.count("state = 'COMPLAINED'")).isOne();

        ses(bounce.replace(Fixtures.email(0), Fixtures.email(2))).andExpect(status().isUnauthorized());
        ses(sns("Notification", sesBounce(fixture.messageIdSentTo(3), Fixtures.email(3)),
                "https://sns.attacker.example/cert.pem", Instant.now()))
            .andExpect(status().isUnauthorized());
        ses(sns("Notification", sesBounce(fixture.messageIdSentTo(4), Fixtures.email(4)), certificateUrl(),
                Instant.now().minus(Duration.ofDays(8))))
            .andExpect(status().isUnauthorized());
        ses("{\"Type\": \"Notification\", \"Message\": \"{}\"}").andExpect(status().isUnauthorized());
        ses(sns("Notification", sesBounce(fixture.messageIdSentTo(5), Fixtures.email(5)),
                certificateUrl().replace(CERTIFICATE_PATH, "/cert.pem"), Instant.now()))
            .andExpect(status().isUnauthorized());
        ses(sns("Notification", sesBounce(fixture.messageIdSentTo(6), Fixtures.email(6)), certificateUrl(),
                Instant.now(), TOPIC + "-not-ours"))
            .andExpect(status().isUnauthorized());
        ses("not json").andExpect(status().isBadRequest());

        assertThat(suppressed()).containsExactlyInAnyOrder(Fixtures.email(0), Fixtures.email(1));
        assertThat(rejected("webhook:ses")).isEqualTo(7);
    }

    @Test
    void sendGridEventsWithAValidSignatureAreAppliedAndOthersRefused() throws Exception {
        String events = """
                [{"email": "%s", "event": "bounce", "type": "bounce", "status": "5.1.1",
                  "reason": "550 5.1.1 The email account that you tried to reach does not exist",
                  "smtp-id": "%s", "sg_event_id": "ZGVsaXZlcmVk-1", "timestamp": 1700000000},
                 {"email": "%s", "event": "spamreport", "smtp-id": "%s", "sg_event_id": "c3BhbQ-2"},
                 {"email": "%s", "event": "delivered", "smtp-id": "%s", "sg_event_id": "ZGVs-3"},
                 {"email": "%s", "event": "bounce", "type": "blocked", "status": "4.7.1", "reason": "try later"}]
                """.formatted(Fixtures.email(0), fixture.messageIdSentTo(0), Fixtures.email(1),
                fixture.messageIdSentTo(1), Fixtures.email(2), fixture.messageIdSentTo(2), Fixtures.email(3));
        String now = Long.toString(Instant.now().getEpochSecond());

        sendGrid(events, now, sendGridSignature(now, events)).andExpect(status().isOk())
            .andExpect(jsonPath("$.received").value(4))
            .andExpect(jsonPath("$.applied").value(3))
            .andExpect(jsonPath("$.ignored").value(1));
        sendGrid(events, now, sendGridSignature(now, events)).andExpect(jsonPath("$.duplicates").value(3));
        sendGrid(events.replace("spamreport", "bounce"), now, sendGridSignature(now, events))
            .andExpect(status().isUnauthorized());
        String old = Long.toString(Instant.now().minus(Duration.ofHours(1)).getEpochSecond());
        sendGrid(events, old, sendGridSignature(old, events)).andExpect(status().isUnauthorized());
        sendGrid("{not json", now, sendGridSignature(now, "{not json")).andExpect(status().isBadRequest());

        assertThat(fixture.count("state = 'BOUNCED'")).isOne();
        assertThat(fixture.count("state = 'COMPLAINED'")).isOne();
        assertThat(suppressed()).containsExactlyInAnyOrder(Fixtures.email(0), Fixtures.email(1));
        assertThat(rejected("webhook:sendgrid")).isEqualTo(3);
    }

    @Test
    void postmarkRecordsWithTheWebhooksCredentialsAreAppliedByAddress() throws Exception {
        String bounce = """
                {"RecordType": "Bounce", "ID": 4323372036854775807, "Type": "HardBounce", "TypeCode": 1,
                 "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Email": "%s",
                 "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist"}
                """.formatted(Fixtures.email(0).toUpperCase());
        String complaint = """
                {"RecordType": "SpamComplaint", "ID": 42, "Type": "SpamComplaint", "Email": "%s"}
                """.formatted(Fixtures.email(1));

        postmark(bounce, "postmark:hook-secret").andExpect(status().isOk()).andExpect(jsonPath("$.applied").value(1));
        postmark(bounce, "postmark:hook-secret").andExpect(jsonPath("$.duplicates").value(1));
        postmark(complaint, "postmark:hook-secret").andExpect(jsonPath("$.applied").value(1));
        postmark(bounce.replace(Fixtures.email(0).toUpperCase(), Fixtures.email(2)), "postmark:wrong")
            .andExpect(status().isUnauthorized());

        assertThat(suppressed()).containsExactlyInAnyOrder(Fixtures.email(0), Fixtures.email(1));
        assertThat(rejected("webhook:postmark")).isOne();
    }

    @Test
    void mailgunEventsWithAValidSignatureAreAppliedAndReplaysCountOnce() throws Exception {
        String now = Long.toString(Instant.now().getEpochSecond());
        String failed = mailgun(now, "token-1", MAILGUN_KEY, """
                {"event": "failed", "severity": "permanent", "recipient": "%s",
                 "message": {"headers": {"message-id": "%s"}},
                 "delivery-status": {"code": 550, "description": "550 5.1.1 No such user"}}
                """.formatted(Fixtures.email(0), stripped(fixture.messageIdSentTo(0))));
        String complained = mailgun(now, "token-2", MAILGUN_KEY, """
                {"event": "complained", "recipient": "%s", "message": {"headers": {"message-id": "%s"}}}
                """.formatted(Fixtures.email(1), stripped(fixture.messageIdSentTo(1))));

        mailgun(failed).andExpect(status().isOk()).andExpect(jsonPath("$.applied").value(1));
        mailgun(failed).andExpect(status().isOk()).andExpect(jsonPath("$.duplicates").value(1));
        mailgun(complained).andExpect(jsonPath("$.applied").value(1));
        mailgun(mailgun(now, "token-3", "not-the-key", """
                {"event": "failed", "severity": "permanent", "recipient": "%s"}
                """.formatted(Fixtures.email(2)))).andExpect(status().isUnauthorized());
        String old = Long.toString(Instant.now().minus(Duration.ofHours(1)).getEpochSecond());
        mailgun(mailgun(old, "token-4", MAILGUN_KEY, """
                {"event": "failed", "severity": "permanent", "recipient": "%s"}
                """.formatted(Fixtures.email(3)))).andExpect(status().isUnauthorized());

        assertThat(fixture.count("state = 'BOUNCED' AND reason = 'bounced: 550 5.1.1 No such user'")).isOne();
        assertThat(fixture.count("state = 'COMPLAINED'")).isOne();
        assertThat(suppressed()).containsExactlyInAnyOrder(Fixtures.email(0), Fixtures.email(1));
        assertThat(rejected("webhook:mailgun")).isEqualTo(2);
    }

    private ResultActions ses(String body) throws Exception {
        return mvc.perform(json(post("/api/webhooks/ses"), body));
    }

    private ResultActions sendGrid(String body, String timestamp, String signature) throws Exception {
        return mvc.perform(json(post("/api/webhooks/sendgrid"), body).header(SendGridWebhook.TIMESTAMP, timestamp)
            .header(SendGridWebhook.SIGNATURE, signature));
    }

    private ResultActions postmark(String body, String credentials) throws Exception {
        return mvc.perform(json(post("/api/webhooks/postmark"), body).header("Authorization",
                "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))));
    }

    private ResultActions mailgun(String body) throws Exception {
        return mvc.perform(json(post("/api/webhooks/mailgun"), body));
    }

    private static MockHttpServletRequestBuilder json(MockHttpServletRequestBuilder request, String body) {
        return request.contentType(MediaType.APPLICATION_JSON).content(body);
    }

    private static String sendGridSignature(String timestamp, String body) throws Exception {
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(SENDGRID.getPrivate());
        signer.update((timestamp + body).getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(signer.sign());
    }

    private static String mailgun(String timestamp, String token, String key, String eventData) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = HexFormat.of().formatHex(mac.doFinal((timestamp + token).getBytes(StandardCharsets.UTF_8)));
        return """
                {"signature": {"timestamp": "%s", "token": "%s", "signature": "%s"}, "event-data": %s}
                """.formatted(timestamp, token, signature, eventData);
    }

    /**
     * An SNS message as SNS writes it: signed (SignatureVersion 2) over its fields in the
     * documented order with the key of the certificate at {@code certificateUrl}.
     */
    private static String sns(String type, String message, String certificateUrl, Instant timestamp) throws Exception {
        return sns(type, message, certificateUrl, timestamp, TOPIC);
    }

    private static String sns(String type, String message, String certificateUrl, Instant timestamp, String topic)
            throws Exception {
        boolean subscription = type.equals("SubscriptionConfirmation");
        String messageId = "msg-" + Integer.toHexString(message.hashCode());
        String subscribeUrl = "https://localhost:" + SNS.getAddress().getPort() + "/confirm";
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] { "Message", message });
        fields.add(new String[] { "MessageId", messageId });
        if (subscription) {
            fields.add(new String[] { "SubscribeURL", subscribeUrl });
        }
        fields.add(new String[] { "Timestamp", timestamp.toString() });
        if (subscription) {
            fields.add(new String[] { "Token", "token-abc" });
        }
        fields.add(new String[] { "TopicArn", topic });
        fields.add(new String[] { "Type", type });
        StringBuilder signed = new StringBuilder();
        fields.forEach((field) -> signed.append(field[0]).append('\n').append(field[1]).append('\n'));
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(signingKey());
        signer.update(signed.toString().getBytes(StandardCharsets.UTF_8));
        StringBuilder json = new StringBuilder("{");
        for (String[] field : fields) {
            json.append('"').append(field[0]).append("\": ").append(quote(field[1])).append(", ");
        }
        json.append("\"SignatureVersion\": \"2\", \"Signature\": \"")
            .append(Base64.getEncoder().encodeToString(signer.sign()))
            .append("\", \"SigningCertURL\": \"")
            .append(certificateUrl)
            .append("\"}");
        return json.toString();
    }

    private static String sesBounce(String messageId, String email) {
        return """
                {"notificationType": "Bounce", "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                 "bouncedRecipients": [{"emailAddress": "%s", "action": "failed", "status": "5.1.1",
                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
                 "mail": {"messageId": "0100018b-ses", "commonHeaders": {"messageId": "%s"}}}
                """.formatted(email, messageId);
    }

    private static String sesComplaint(String messageId, String email) {
        return """
                {"notificationType": "Complaint", "complaint": {"complaintFeedbackType": "abuse",
                 "complainedRecipients": [{"emailAddress": "%s"}]},
                 "mail": {"messageId": "0100018b-ses", "commonHeaders": {"messageId": "%s"}}}
                """.formatted(email, messageId);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static String certificateUrl() {
        return "https://localhost:" + SNS.getAddress().getPort() + CERTIFICATE_PATH;
    }

    private static String stripped(String messageId) {
        return messageId.substring(1, messageId.length() - 1);
    }

    private List<String> suppressed() {
        return fixture.data()
            .jdbc()
            .sql("SELECT email FROM customer WHERE suppressed_at IS NOT NULL")
            .query(String.class)
            .list();
    }

    private long rejected(String source) {
        return fixture.data()
            .jdbc()
            .sql("SELECT count(*) FROM delivery_event WHERE rejected IS NOT NULL AND source = :source")
            .param("source", source)
            .query(Long.class)
            .single();
    }

    private static KeyPair ecKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Key stores made with the JDK's keytool: the HTTPS server's (trusted through an SSL
     * bundle, as an operator would trust a proxy's) and SNS's signing certificate.
     */
    private static Path keys() {
        try {
            Path dir = Files.createTempDirectory("sns-keys");
            keytool(dir, "-genkeypair", "-alias", "tls", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost", "-validity", "2", "-keystore", "server.p12");
            keytool(dir, "-exportcert", "-alias", "tls", "-keystore", "server.p12", "-file", "tls.cer");
            keytool(dir, "-importcert", "-noprompt", "-alias", "tls", "-file", "tls.cer", "-keystore", "trust.p12");
            keytool(dir, "-genkeypair", "-alias", "sns", "-keyalg", "RSA", "-keysize", "2048", "-dname",
                    "CN=sns.amazonaws.com", "-validity", "2", "-keystore", "signing.p12");
            keytool(dir, "-exportcert", "-rfc", "-alias", "sns", "-keystore", "signing.p12", "-file", "cert.pem");
            return dir;
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void keytool(Path dir, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", "changeit"));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try (InputStream output = process.getInputStream()) {
            String said = new String(output.readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", arguments) + ": " + said);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static PrivateKey signingKey() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(KEYS.resolve("signing.p12"))) {
            store.load(in, "changeit".toCharArray());
        }
        return (PrivateKey) store.getKey("sns", "changeit".toCharArray());
    }

    /**
     * Publishes the signing certificate and takes subscription confirmations, over HTTPS.
     */
    private static HttpsServer snsCertificateServer() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(KEYS.resolve("server.p12"))) {
                store.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, "changeit".toCharArray());
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keys.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress(0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            byte[] certificate = Files.readAllBytes(KEYS.resolve("cert.pem"));
            server.createContext("/", (exchange) -> {
                String path = exchange.getRequestURI().getPath();
                FETCHED.add(path);
                byte[] body = path.equals(CERTIFICATE_PATH) ? certificate : "<ConfirmSubscriptionResponse/>".getBytes();
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

}
