package io.flowbatch.deliverability;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

import static io.flowbatch.deliverability.WebhookJson.text;

/**
 * SendGrid's signed Event Webhook: the header
 * {@code X-Twilio-Email-Event-Webhook-Signature} is a base64 ECDSA (P-256, SHA-256)
 * signature of the {@code X-Twilio-Email-Event-Webhook-Timestamp} header followed by the
 * raw body, checked with the verification key SendGrid shows. The body is an array of
 * events: {@code bounce} of type {@code bounce} is a bounce, hard or soft by its status
 * code as in a DSN, of type {@code blocked} a soft one; {@code spamreport} a complaint;
 * the rest say nothing flowbatch acts on.
 */
@Component
class SendGridWebhook {

    static final String SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature";

    static final String TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp";

    private final WebhookProperties properties;

    private final JsonMapper json;

    private final Clock clock;

    private final PublicKey key;

    SendGridWebhook(WebhookProperties properties, JsonMapper json, Clock clock) {
        this.properties = properties;
        this.json = json;
        this.clock = clock;
        this.key = properties.sendgrid().key();
    }

    boolean enabled() {
        return key != null;
    }

    List<ProviderEvent> read(String signature, String timestamp, String body) {
        if (signature == null || timestamp == null) {
            throw WebhookRejected.unauthorized("no " + SIGNATURE + " or " + TIMESTAMP + " header");
        }
        if (!verifies(signature, timestamp, body)) {
            throw WebhookRejected.unauthorized("the signature does not match");
        }
        SignedTimestamps.checkEpochSeconds(timestamp, properties.maxAge(), MailgunWebhook.MAX_AGE, clock);
        JsonNode events = WebhookJson.parse(json, body);
        if (!events.isArray()) {
            throw WebhookRejected.unreadable("not an array of events");
        }
        List<ProviderEvent> read = new ArrayList<>();
        for (JsonNode event : events) {
            String kind = String.valueOf(text(event, "event"));
            BounceType type = switch (kind) {
                case "bounce" ->
                    "blocked".equals(text(event, "type")) ? BounceType.SOFT : bounce(text(event, "status"));
                case "spamreport" -> BounceType.COMPLAINT;
                default -> null;
            };
            String status = text(event, "status");
            String reason = text(event, "reason");
            String diagnostic = (status != null && reason != null && !reason.contains(status)) ? status + " " + reason
                    : (reason != null) ? reason : status;
            read.add(new ProviderEvent(type, text(event, "smtp-id"), text(event, "email"), diagnostic));
        }
        return read;
    }

    /**
     * A {@code bounce}: hard or soft by its enhanced status code when SendGrid gives one,
     * as in a DSN (a 5.7.x block is soft), else hard.
     */
    private static BounceType bounce(String status) {
        if (status == null || status.isBlank()) {
            return BounceType.HARD;
        }
        BounceType type = BounceReports.deliveryStatus("Action: failed\nStatus: " + status.strip()).type();
        return (type != null) ? type : BounceType.HARD;
    }

    private boolean verifies(String signature, String timestamp, String body) {
        try {
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(key);
            verifier.update(timestamp.getBytes(StandardCharsets.UTF_8));
            verifier.update(body.getBytes(StandardCharsets.UTF_8));
            return verifier.verify(Base64.getDecoder().decode(signature.strip()));
        }
        catch (GeneralSecurityException | IllegalArgumentException ex) {
            return false;
        }
    }

}
