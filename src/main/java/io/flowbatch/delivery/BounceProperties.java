package io.flowbatch.delivery;

import java.util.regex.Pattern;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where bounces come back to.
 *
 * @param returnPathDomain the domain of every message's envelope sender (its return
 * path): {@code bounces+{evaluationId}-{signature}@{domain}}, so that a bounce names the
 * evaluation it is about and a forged one names none. Its MX must lead to where bounces
 * are read. None: the envelope sender is the message's From, as before
 * @param smtp the listener that receives them
 */
@Validated
@ConfigurationProperties("flowbatch.bounces")
public record BounceProperties(String returnPathDomain, @Valid @DefaultValue Smtp smtp) {

    /** A host name: labels of letters, digits and hyphens. */
    private static final Pattern DOMAIN = Pattern
        .compile("(?i)(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    @ConstructorBinding
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
        if (smtp == null) {
            smtp = new Smtp(null, "0.0.0.0", DataSize.ofMegabytes(10), 20);
        }
        if (smtp.enabled() && returnPathDomain == null) {
            throw new IllegalArgumentException("flowbatch.bounces.smtp.port needs flowbatch.bounces.return-path-domain:"
                    + " the listener takes mail for that domain only");
        }
    }

    /** Return paths only, without a listener. */
    public BounceProperties(String returnPathDomain) {
        this(returnPathDomain, null);
    }

    /**
     * The inbound SMTP listener for the return-path domain.
     *
     * @param port where it listens; none: no listener
     * @param bindAddress the address it listens on
     * @param maxMessageSize the largest report it takes; larger ones are refused (552)
     * @param maxConnections the most sessions it serves at once
     */
    public record Smtp(@Min(1) @Max(65535) Integer port, @DefaultValue("0.0.0.0") String bindAddress,
            @DefaultValue("10MB") DataSize maxMessageSize, @DefaultValue("20") @Min(1) int maxConnections) {

        public boolean enabled() {
            return port != null;
        }

    }

}
