package io.flowbatch.deliverability;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

import static io.flowbatch.deliverability.WebhookJson.text;

/**
 * Mailgun's webhooks: {@code signature.signature} is the hex HMAC-SHA256, keyed with the
 * webhook signing key, of {@code signature.timestamp} followed by
 * {@code signature.token}. A {@code failed} event is a hard bounce when its severity is
 * permanent, else a soft one; {@code complained} is a complaint.
 */
@Component
class MailgunWebhook {

    static final String MAX_AGE = "flowbatch.webhooks.max-age";

    private final WebhookProperties properties;

    private final JsonMapper json;

    private final Clock clock;

    MailgunWebhook(WebhookProperties properties, JsonMapper json, Clock clock) {
        this.properties = properties;
        this.json = json;
        this.clock = clock;
    }

    boolean enabled() {
        return properties.mailgun().signingKey() != null && !properties.mailgun().signingKey().isBlank();
    }

    List<ProviderEvent> read(String body) {
        JsonNode request = WebhookJson.parse(json, body);
        String timestamp = text(request, "signature", "timestamp");
        String token = text(request, "signature", "token");
        String signature = text(request, "signature", "signature");
        if (timestamp == null || token == null || signature == null) {
            throw WebhookRejected.unauthorized("no signature");
        }
        byte[] expected = hmac(properties.mailgun().signingKey(), timestamp + token);
        if (!MessageDigest.isEqual(expected, signature.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            throw WebhookRejected.unauthorized("the signature does not match");
        }
        SignedTimestamps.checkEpochSeconds(timestamp, properties.maxAge(), MAX_AGE, clock);
        JsonNode event = request.get("event-data");
        String kind = text(event, "event");
        String messageId = text(event, "message", "headers", "message-id");
        String email = text(event, "recipient");
        String diagnostic = text(event, "delivery-status", "description");
        if (diagnostic == null || diagnostic.isBlank()) {
            diagnostic = text(event, "delivery-status", "message");
        }
        BounceType type = switch (String.valueOf(kind)) {
            case "failed" -> "permanent".equals(text(event, "severity")) ? BounceType.HARD : BounceType.SOFT;
            case "complained" -> BounceType.COMPLAINT;
            default -> null;
        };
        return List.of(new ProviderEvent(type, messageId, email, diagnostic));
    }

    private static byte[] hmac(String key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of()
                .formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.US_ASCII);
        }
        catch (Exception ex) {
            throw new IllegalStateException("HmacSHA256 is not available", ex);
        }
    }

}
