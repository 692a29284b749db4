package io.flowbatch.deliverability;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.stereotype.Component;

import static io.flowbatch.deliverability.WebhookJson.text;

/**
 * Amazon SES bounce and complaint notifications, delivered by SNS. Every SNS message is
 * signed (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) with the certificate at its
 * {@code SigningCertURL}, which must be HTTPS on a host that
 * {@code flowbatch.webhooks.ses.certificate-host} allows; the canonical string is the
 * message's fields in the order SNS documents. A subscription is confirmed by fetching
 * its {@code SubscribeURL}, from an allowed host too. A notification's {@code Message} is
 * the SES event: a {@code Permanent} bounce is hard, others soft; a complaint is a
 * complaint.
 */
@Component
class SesWebhook {

    /** The fields signed, in order, for a notification; a subscription's differ. */
    private static final List<String> NOTIFICATION_FIELDS = List.of("Message", "MessageId", "Subject", "Timestamp",
            "TopicArn", "Type");

    private static final List<String> SUBSCRIPTION_FIELDS = List.of("Message", "MessageId", "SubscribeURL", "Timestamp",
            "Token", "TopicArn", "Type");

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Where SNS publishes its signing certificates. */
    private static final Pattern CERTIFICATE_PATH = Pattern.compile("/SimpleNotificationService-[0-9a-fA-F]+\\.pem");

    /**
     * SNS signs with few certificates at a time; more cached means something is wrong.
     */
    private static final int MAX_CERTIFICATES = 16;

    private final WebhookProperties properties;

    private final JsonMapper json;

    private final Clock clock;

    private final Pattern allowedHost;

    private final HttpClient http;

    /** Signing certificates by URL: SNS signs with few, and fetching one is slow. */
    private final Map<String, X509Certificate> certificates = new ConcurrentHashMap<>();

    SesWebhook(WebhookProperties properties, JsonMapper json, Clock clock, ObjectProvider<SslBundles> sslBundles) {
        this.properties = properties;
        this.json = json;
        this.clock = clock;
        this.allowedHost = Pattern.compile(properties.ses().certificateHost(), Pattern.CASE_INSENSITIVE);
        HttpClient.Builder builder = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER);
        String bundle = properties.ses().sslBundle();
        if (bundle != null && !bundle.isBlank()) {
            SSLContext context = sslBundles.getObject().getBundle(bundle).createSslContext();
            builder.sslContext(context);
        }
        this.http = builder.build();
    }

    boolean enabled() {
        return properties.ses().enabled();
    }

    List<ProviderEvent> read(String body) {
        JsonNode message = WebhookJson.parse(json, body);
        String type = String.valueOf(text(message, "Type"));
        List<String> fields = switch (type) {
            case "Notification" -> NOTIFICATION_FIELDS;
            case "SubscriptionConfirmation", "UnsubscribeConfirmation" -> SUBSCRIPTION_FIELDS;
            default -> throw WebhookRejected.unreadable("not an SNS message: Type " + type);
        };
        verify(message, fields);
        String topic = text(message, "TopicArn");
        if (!properties.ses().topicArns().contains(topic)) {
            throw WebhookRejected.unauthorized("the topic " + topic + " is not in flowbatch.webhooks.ses.topic-arns");
        }
        return switch (type) {
            case "SubscriptionConfirmation" -> {
                confirm(text(message, "SubscribeURL"));
                yield List.of();
            }
            case "Notification" -> events(WebhookJson.parse(json, String.valueOf(text(message, "Message"))));
            default -> List.of();
        };
    }

    private void verify(JsonNode message, List<String> fields) {
        String version = text(message, "SignatureVersion");
        String algorithm = "1".equals(version) ? "SHA1withRSA" : "2".equals(version) ? "SHA256withRSA" : null;
        String signature = text(message, "Signature");
        if (algorithm == null || signature == null) {
            throw WebhookRejected.unauthorized("no signature of a known SignatureVersion");
        }
        StringBuilder signed = new StringBuilder();
        for (String field : fields) {
            String value = text(message, field);
            if (value != null) {
                signed.append(field).append('\n').append(value).append('\n');
            }
        }
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate(text(message, "SigningCertURL")));
            verifier.update(signed.toString().getBytes(StandardCharsets.UTF_8));
            if (!verifier.verify(Base64.getDecoder().decode(signature))) {
                throw WebhookRejected.unauthorized("the signature does not match");
            }
        }
        catch (GeneralSecurityException | IllegalArgumentException ex) {
            throw WebhookRejected.unauthorized("the signature cannot be checked: " + ex.getMessage());
        }
        SignedTimestamps.checkInstant(text(message, "Timestamp"), properties.ses().maxAge(),
                "flowbatch.webhooks.ses.max-age", clock);
    }

    private X509Certificate certificate(String url) throws GeneralSecurityException {
        URI uri = allowed(url, "SigningCertURL");
        if (uri.getRawQuery() != null || uri.getPath() == null || !CERTIFICATE_PATH.matcher(uri.getPath()).matches()) {
            throw WebhookRejected.unauthorized("SigningCertURL " + url + " is not an SNS signing certificate's path");
        }
        X509Certificate certificate = certificates.get(uri.toString());
        if (certificate == null) {
            byte[] pem = get(uri);
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem));
            if (certificates.size() >= MAX_CERTIFICATES) {
                certificates.clear();
            }
            certificates.put(uri.toString(), certificate);
        }
        certificate.checkValidity(java.util.Date.from(clock.instant()));
        return certificate;
    }

    /** HTTPS on an allowed host, or refused. */
    private URI allowed(String url, String field) {
        URI uri;
        try {
            uri = URI.create(String.valueOf(url));
        }
        catch (IllegalArgumentException ex) {
            throw WebhookRejected.unauthorized(field + " is not a URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
                || !allowedHost.matcher(uri.getHost()).matches() || uri.getUserInfo() != null) {
            throw WebhookRejected.unauthorized(
                    field + " " + url + " is not HTTPS on a host flowbatch.webhooks.ses.certificate-host allows");
        }
        return uri;
    }

    private void confirm(String subscribeUrl) {
        get(allowed(subscribeUrl, "SubscribeURL"));
    }

    private byte[] get(URI uri) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw WebhookRejected.unauthorized(uri + " answered " + response.statusCode());
            }
            return response.body();
        }
        catch (IOException ex) {
            throw WebhookRejected.unauthorized(uri + " could not be read: " + ex.getMessage());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw WebhookRejected.unauthorized(uri + " could not be read: interrupted");
        }
    }

    /** The SES event: one per bounced or complaining recipient. */
    private List<ProviderEvent> events(JsonNode event) {
        String kind = text(event, "notificationType");
        if (kind == null) {
            kind = text(event, "eventType");
        }
        String messageId = text(event, "mail", "commonHeaders", "messageId");
        List<ProviderEvent> events = new ArrayList<>();
        if ("Bounce".equals(kind)) {
            JsonNode bounce = event.path("bounce");
            BounceType type = "Permanent".equals(text(bounce, "bounceType")) ? BounceType.HARD : BounceType.SOFT;
            for (JsonNode recipient : bounce.path("bouncedRecipients")) {
                String diagnostic = text(recipient, "diagnosticCode");
                events.add(new ProviderEvent(type, messageId, text(recipient, "emailAddress"),
                        (diagnostic != null) ? diagnostic : text(recipient, "status")));
            }
        }
        else if ("Complaint".equals(kind)) {
            JsonNode complaint = event.path("complaint");
            String feedback = text(complaint, "complaintFeedbackType");
            for (JsonNode recipient : complaint.path("complainedRecipients")) {
                events.add(new ProviderEvent(BounceType.COMPLAINT, messageId, text(recipient, "emailAddress"),
                        "feedback report: " + ((feedback != null) ? feedback.toLowerCase(Locale.ROOT) : "complaint")));
            }
        }
        if (events.isEmpty()) {
            events.add(new ProviderEvent(null, messageId, null, "an SES " + kind + " event"));
        }
        return events;
    }

}
