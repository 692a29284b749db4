package io.flowbatch.webhook;

import java.time.Duration;
import java.util.List;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code flowbatch.outbound-webhooks.*}: where webhook steps may send, and how.
 *
 * @param allowedHosts the hosts a webhook step's URL may name ({@code hooks.example.com},
 * or {@code *.example.com} for its subdomains); empty: any public host
 * @param allowPrivateAddresses whether a URL may reach loopback, private, link-local
 * (cloud metadata) or other non-public addresses; off, such a host is refused when the
 * flow is saved and when its name resolves to one at send time
 * @param allowHttp whether plain {@code http://} URLs are allowed; off, only https
 * @param timeout how long one request may take, from connecting to the reply (at most
 * PT1M, within the send grace of a claim lease)
 * @param concurrency requests of one chunk in flight at once (an endpoint without
 * batches)
 * @param signingKey the HMAC-SHA256 key every request is signed with
 * ({@code X-Flowbatch-Signature}); a flow with a webhook step cannot be saved without one
 */
@Validated
@ConfigurationProperties("flowbatch.outbound-webhooks")
public record OutboundWebhookProperties(@DefaultValue List<String> allowedHosts,
        @DefaultValue("false") boolean allowPrivateAddresses, @DefaultValue("false") boolean allowHttp,
        @DefaultValue("PT10S") @NotNull Duration timeout, @DefaultValue("8") @Min(1) @Max(256) int concurrency,
        String signingKey) {

    /** Shorter keys are guessable; a key that says so fails start-up by name. */
    static final int MIN_KEY_LENGTH = 32;

    @AssertTrue(message = "must be at least 32 characters (flowbatch.outbound-webhooks.signing-key)")
    public boolean isSigningKeyLongEnough() {
        return signingKey == null || signingKey.length() >= MIN_KEY_LENGTH;
    }

    /**
     * A call in flight is SENDING; its row is left alone for the claim lease's send grace
     * (PT65S by default) after its sender is taken for dead, so a call must end well
     * within it.
     */
    @AssertTrue(message = "must be positive and at most PT1M (flowbatch.outbound-webhooks.timeout)")
    public boolean isTimeoutSensible() {
        return timeout == null
                || (!timeout.isNegative() && !timeout.isZero() && timeout.compareTo(Duration.ofMinutes(1)) <= 0);
    }

}
