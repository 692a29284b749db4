package io.flowbatch.deliverability;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

import static io.flowbatch.deliverability.WebhookJson.text;

/**
 * Postmark's bounce and spam-complaint webhooks. Postmark signs nothing; its webhook URL
 * carries HTTP Basic credentials, compared in constant time. {@code HardBounce} (and
 * {@code BadEmailAddress}) is a hard bounce; {@code SoftBounce}, {@code Transient},
 * {@code DnsError} a soft one; a {@code SpamComplaint} record or bounce type a complaint.
 */
@Component
class PostmarkWebhook {

    private final WebhookProperties properties;

    private final JsonMapper json;

    PostmarkWebhook(WebhookProperties properties, JsonMapper json) {
        this.properties = properties;
        this.json = json;
    }

    boolean enabled() {
        return properties.postmark().username() != null && !properties.postmark().username().isBlank();
    }

    List<ProviderEvent> read(String authorization, String body) {
        String expected = "Basic " + Base64.getEncoder()
            .encodeToString((properties.postmark().username() + ":" + properties.postmark().password())
                .getBytes(StandardCharsets.UTF_8));
        if (authorization == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                authorization.strip().getBytes(StandardCharsets.UTF_8))) {
            throw WebhookRejected.unauthorized("wrong or no credentials");
        }
        JsonNode record = WebhookJson.parse(json, body);
        String recordType = String.valueOf(text(record, "RecordType"));
        String bounceType = String.valueOf(text(record, "Type"));
        BounceType type = switch (recordType) {
            case "SpamComplaint" -> BounceType.COMPLAINT;
            case "Bounce" -> switch (bounceType) {
                case "HardBounce", "BadEmailAddress" -> BounceType.HARD;
                case "SoftBounce", "Transient", "DnsError" -> BounceType.SOFT;
                case "SpamComplaint" -> BounceType.COMPLAINT;
                default -> null;
            };
            default -> null;
        };
        String diagnostic = text(record, "Details");
        if (diagnostic == null || diagnostic.isBlank()) {
            diagnostic = text(record, "Description");
        }
        return List.of(new ProviderEvent(type, text(record, "MessageID"), text(record, "Email"), diagnostic));
    }

}
