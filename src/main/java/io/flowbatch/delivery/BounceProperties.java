package io.flowbatch.delivery;

import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where bounces come back to.
 *
 * @param returnPathDomain the domain of every message's envelope sender (its return
 * path): {@code bounces+{evaluationId}-{signature}@{domain}}, so that a bounce names the
 * evaluation it is about and a forged one names none. Its MX must lead to where bounces
 * are read. None: the envelope sender is the message's From, as before
 */
@ConfigurationProperties("flowbatch.bounces")
public record BounceProperties(String returnPathDomain) {

    /** A host name: labels of letters, digits and hyphens. */
    private static final Pattern DOMAIN = Pattern
        .compile("(?i)(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public BounceProperties {
        if (returnPathDomain != null && !returnPathDomain.isBlank()) {
            returnPathDomain = returnPathDomain.strip();
            if (!DOMAIN.matcher(returnPathDomain).matches()) {
                throw new IllegalArgumentException(
                        "flowbatch.bounces.return-path-domain must be a domain such as bounces.shop.example, not '"
                                + returnPathDomain + "'");
            }
        }
        else {
            returnPathDomain = null;
        }
    }

}
