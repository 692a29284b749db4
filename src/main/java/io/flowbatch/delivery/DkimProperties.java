package io.flowbatch.delivery;

import java.util.Map;
import java.util.regex.Pattern;

import jakarta.validation.Valid;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.io.Resource;
import org.springframework.validation.annotation.Validated;

/**
 * DKIM keys by sender domain, {@code flowbatch.dkim.<domain>.*}: a message whose From is
 * on one of these domains is signed with its key; others go unsigned.
 *
 * @param dkim the keys by domain
 */
@Validated
@ConfigurationProperties("flowbatch")
public record DkimProperties(Map<String, @Valid Key> dkim) {

    /** A DNS label: letters, digits and hyphens. */
    private static final Pattern SELECTOR = Pattern
        .compile("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    public DkimProperties {
        dkim = (dkim != null) ? Map.copyOf(dkim) : Map.of();
        dkim.forEach((domain, key) -> {
            if (key.selector() == null || !SELECTOR.matcher(key.selector()).matches()) {
                throw new IllegalArgumentException("flowbatch.dkim." + domain
                        + ".selector must be the selector the public key is published under (<selector>._domainkey."
                        + domain + "), not '" + key.selector() + "'");
            }
            if (key.privateKey() == null) {
                throw new IllegalArgumentException("flowbatch.dkim." + domain + ".private-key must name the key file");
            }
        });
    }

    /**
     * One domain's key.
     *
     * @param selector the selector its public key is published under, in
     * {@code <selector>._domainkey.<domain>}
     * @param privateKey the RSA private key, a PEM file in PKCS #8
     * ({@code BEGIN PRIVATE KEY})
     */
    public record Key(String selector, Resource privateKey) {
    }

}
