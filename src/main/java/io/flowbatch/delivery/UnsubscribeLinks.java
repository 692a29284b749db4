package io.flowbatch.delivery;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.OptionalLong;

import org.springframework.stereotype.Component;

/**
 * Signed unsubscribe links: {@code /u/{customerId}.{signature}}. The signature is an HMAC
 * of the customer id ({@link SigningKey}), so a link works without login and cannot be
 * forged for another customer.
 */
@Component
public class UnsubscribeLinks {

    private static final int SIGNATURE_BYTES = 16;

    private final SigningKey key;

    private final String baseUrl;

    UnsubscribeLinks(DeliveryProperties properties, SigningKey key) {
        this.key = key;
        this.baseUrl = properties.publicUrl().replaceAll("/+$", "") + "/u/";
    }

    public String url(long customerId) {
        return baseUrl + token(customerId);
    }

    /** A link that unsubscribes no one, for a preview rendered from sample data. */
    public String previewUrl() {
        return baseUrl + "preview";
    }

    String token(long customerId) {
        return customerId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sign(customerId));
    }

    /** The customer a token was made for, or empty when it is malformed or forged. */
    public OptionalLong customerId(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return OptionalLong.empty();
        }
        try {
            long customerId = Long.parseLong(token.substring(0, dot));
            byte[] presented = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            return MessageDigest.isEqual(presented, sign(customerId)) ? OptionalLong.of(customerId)
                    : OptionalLong.empty();
        }
        catch (IllegalArgumentException ex) {
            return OptionalLong.empty();
        }
    }

    /** Signed without a purpose: the links in mail already sent were made that way. */
    private byte[] sign(long customerId) {
        return key.sign(null, Long.toString(customerId), SIGNATURE_BYTES);
    }

}
