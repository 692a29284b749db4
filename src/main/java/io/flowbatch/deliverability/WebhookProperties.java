package io.flowbatch.deliverability;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import jakarta.validation.Valid;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Provider webhooks that report bounces and complaints, {@code POST
 * /api/webhooks/{provider}}. Each is off until its credentials are set, and each request
 * is authenticated the way its provider signs them; anything else is refused with 401 and
 * kept as rejected.
 *
 * @param maxAge a signed request whose timestamp is older than this (or as far ahead) is
 * refused: a captured request cannot be replayed later
 * @param ses Amazon SES through SNS notifications
 * @param sendgrid the SendGrid Event Webhook
 * @param postmark Postmark's bounce and spam-complaint webhooks
 * @param mailgun Mailgun's webhooks
 */
@Validated
@ConfigurationProperties("flowbatch.webhooks")
public record WebhookProperties(@DefaultValue("PT5M") @DurationMin(seconds = 1) Duration maxAge,
        @Valid @DefaultValue Ses ses, @DefaultValue Sendgrid sendgrid, @DefaultValue Postmark postmark,
        @DefaultValue Mailgun mailgun) {

    /**
     * Amazon SES notifications delivered by SNS, signed with a certificate SNS publishes.
     *
     * @param enabled whether {@code /api/webhooks/ses} takes notifications
     * @param certificateHost the hosts the signing certificate (and a subscription's
     * confirmation link) may come from, a regular expression matched against the whole
     * host; always over HTTPS. The default is SNS's regional hosts only: a looser one
     * ({@code sns.s3.amazonaws.com} is someone's S3 bucket) lets a stranger sign
     * @param topicArns the SNS topics accepted, required when enabled: SNS signs every
     * topic's messages alike, so a signature alone proves only that the message came
     * through SNS, not from your topic
     * @param sslBundle the SSL bundle ({@code spring.ssl.bundle.*}) whose trust store
     * checks the certificate host's TLS certificate; none: the JDK's
     * @param maxAge a notification whose timestamp is older is refused. SNS keeps the
     * publish time on every retry, so this is longer than
     * {@code flowbatch.webhooks.max-age}: a retry after an outage must still count, and a
     * replay counts once anyway
     */
    public record Ses(@DefaultValue("false") boolean enabled,
            @DefaultValue("sns\\.[a-z]{2}(-gov)?-[a-z]+-\\d\\.amazonaws\\.com(\\.cn)?") String certificateHost,
            List<String> topicArns, String sslBundle, @DefaultValue("P7D") @DurationMin(seconds = 1) Duration maxAge) {

        public Ses {
            try {
                Pattern.compile(certificateHost);
            }
            catch (PatternSyntaxException ex) {
                throw new IllegalArgumentException(
                        "flowbatch.webhooks.ses.certificate-host is not a regular expression: " + ex.getMessage());
            }
            topicArns = (topicArns != null) ? List.copyOf(topicArns) : List.of();
            if (enabled && topicArns.isEmpty()) {
                throw new IllegalArgumentException(
                        "flowbatch.webhooks.ses.enabled needs flowbatch.webhooks.ses.topic-arns, the SNS"
                                + " topics SES publishes to: SNS signs every topic's messages alike");
            }
        }

    }

    /**
     * @param publicKey the verification key SendGrid shows for the signed Event Webhook
     * (base64, an ECDSA P-256 public key); none: the endpoint is off
     */
    public record Sendgrid(String publicKey) {

        public Sendgrid {
            if (publicKey != null && !publicKey.isBlank()) {
                key(publicKey);
            }
            else {
                publicKey = null;
            }
        }

        public PublicKey key() {
            return (publicKey != null) ? key(publicKey) : null;
        }

        private static PublicKey key(String base64) {
            try {
                return KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(base64.strip())));
            }
            catch (Exception ex) {
                throw new IllegalArgumentException(
                        "flowbatch.webhooks.sendgrid.public-key is not a base64 ECDSA public key: " + ex.getMessage());
            }
        }

    }

    /**
     * Postmark signs nothing: its webhook URL carries HTTP Basic credentials.
     *
     * @param username the user name in the webhook URL; none: the endpoint is off
     * @param password its password
     */
    public record Postmark(String username, String password) {

        public Postmark {
            if ((username == null || username.isBlank()) != (password == null || password.isBlank())) {
                throw new IllegalArgumentException(
                        "flowbatch.webhooks.postmark.username and flowbatch.webhooks.postmark.password go together");
            }
        }

    }

    /**
     * @param signingKey Mailgun's HTTP webhook signing key; none: the endpoint is off
     */
    public record Mailgun(String signingKey) {
    }

}
