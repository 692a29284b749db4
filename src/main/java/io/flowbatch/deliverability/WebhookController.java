package io.flowbatch.deliverability;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/webhooks/{ses,sendgrid,postmark,mailgun}}: bounces and complaints from
 * the providers mail leaves through. Each request is authenticated by its provider's
 * scheme, not by flowbatch's API credentials; one that fails is answered 401 (400 when it
 * is not readable) and kept as rejected. Each event is applied on its own, so a bad one
 * fails alone; a provider's retry of a request already applied counts once.
 */
@RestController
class WebhookController {

    static final String REQUESTS = "flowbatch.webhook.requests";

    private static final Log logger = LogFactory.getLog(WebhookController.class);

    private final Bounces bounces;

    private final DeliveryEvents events;

    private final SesWebhook ses;

    private final SendGridWebhook sendGrid;

    private final PostmarkWebhook postmark;

    private final MailgunWebhook mailgun;

    private final MeterRegistry registry;

    WebhookController(Bounces bounces, DeliveryEvents events, SesWebhook ses, SendGridWebhook sendGrid,
            PostmarkWebhook postmark, MailgunWebhook mailgun, MeterRegistry registry) {
        this.bounces = bounces;
        this.events = events;
        this.ses = ses;
        this.sendGrid = sendGrid;
        this.postmark = postmark;
        this.mailgun = mailgun;
        this.registry = registry;
    }

    /** What a request did, event by event. */
    record WebhookResult(int received, int applied, int duplicates, int ignored, int rejected) {
    }

    @PostMapping("/api/webhooks/ses")
    ResponseEntity<?> ses(@RequestBody(required = false) String body) {
        return receive("ses", ses::enabled, "flowbatch.webhooks.ses.enabled", () -> ses.read(body(body)));
    }

    @PostMapping("/api/webhooks/sendgrid")
    ResponseEntity<?> sendGrid(@RequestHeader(name = SendGridWebhook.SIGNATURE, required = false) String signature,
            @RequestHeader(name = SendGridWebhook.TIMESTAMP, required = false) String timestamp,
            @RequestBody(required = false) String body) {
        return receive("sendgrid", sendGrid::enabled, "flowbatch.webhooks.sendgrid.public-key",
                () -> sendGrid.read(signature, timestamp, body(body)));
    }

    @PostMapping("/api/webhooks/postmark")
    ResponseEntity<?> postmark(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String credentials,
            @RequestBody(required = false) String body) {
        return receive("postmark", postmark::enabled, "flowbatch.webhooks.postmark.username",
                () -> postmark.read(credentials, body(body)));
    }

    @PostMapping("/api/webhooks/mailgun")
    ResponseEntity<?> mailgun(@RequestBody(required = false) String body) {
        return receive("mailgun", mailgun::enabled, "flowbatch.webhooks.mailgun.signing-key",
                () -> mailgun.read(body(body)));
    }

    private ResponseEntity<?> receive(String provider, BooleanSupplier enabled, String setting,
            Supplier<List<ProviderEvent>> read) {
        if (!enabled.getAsBoolean()) {
            return ResponseEntity.status(404)
                .body(Map.of("error", "the " + provider + " webhook is off: set " + setting));
        }
        String source = "webhook:" + provider;
        List<ProviderEvent> received;
        try {
            received = read.get();
        }
        catch (WebhookRejected ex) {
            count(provider, "rejected");
            events.reject(ex.getMessage(), null, null, source);
            return ResponseEntity.status(ex.status()).body(Map.of("error", ex.getMessage()));
        }
        int applied = 0;
        int duplicates = 0;
        int ignored = 0;
        int rejected = 0;
        for (ProviderEvent event : received) {
            String outcome;
            try {
                outcome = bounces.report(event, source).outcome();
            }
            catch (RuntimeException ex) {
                logger.warn("A " + provider + " event could not be applied: " + ex.getMessage());
                events.reject("could not be applied: " + ex.getMessage(), null, event.diagnostic(), source);
                outcome = "REJECTED";
            }
            switch (outcome) {
                case "APPLIED" -> applied++;
                case "DUPLICATE" -> duplicates++;
                case "IGNORED" -> ignored++;
                default -> rejected++;
            }
        }
        count(provider, "accepted");
        return ResponseEntity.ok(new WebhookResult(received.size(), applied, duplicates, ignored, rejected));
    }

    private static String body(String body) {
        if (body == null || body.isBlank()) {
            throw WebhookRejected.unreadable("an empty body");
        }
        return body;
    }

    private void count(String provider, String outcome) {
        Counter.builder(REQUESTS)
            .description("Provider webhook requests, by whether they were authentic")
            .tag("provider", provider)
            .tag("outcome", outcome)
            .register(registry)
            .increment();
    }

}
