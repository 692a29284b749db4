package io.flowbatch.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

/**
 * Every message's envelope sender on {@code flowbatch.bounces.return-path-domain}, named
 * for its evaluation (VERP): {@code bounces+1234-9f2c0e71a4b3@bounces.shop.example}. A
 * bounce comes back to it, so it says which message bounced whatever the bounce's body
 * says; the signature (an HMAC of the id, lower-case hex, since mail servers may change a
 * local part's case) means a forged bounce names no evaluation.
 */
@Component
public class ReturnPath {

    static final String PURPOSE = "return-path";

    private static final int SIGNATURE_BYTES = 6;

    private static final Pattern ADDRESS = Pattern.compile("(?i)bounces\\+(\\d{1,19})-([0-9a-f]{12})@(.+)");

    private final String domain;

    private final SigningKey key;

    ReturnPath(BounceProperties properties, SigningKey key) {
        this.domain = properties.returnPathDomain();
        this.key = key;
    }

    /** Whether messages carry a return path of their own. */
    public boolean enabled() {
        return domain != null;
    }

    /** The evaluation's return path, or null without a return-path domain. */
    public String address(long evaluationId) {
        if (domain == null) {
            return null;
        }
        return "bounces+" + evaluationId + "-" + signature(evaluationId) + "@" + domain;
    }

    /**
     * The evaluation a return path was made for; empty for another domain, a malformed
     * address or a forged signature.
     */
    public OptionalLong evaluationId(String address) {
        if (domain == null || address == null) {
            return OptionalLong.empty();
        }
        Matcher matcher = ADDRESS.matcher(address.strip());
        if (!matcher.matches() || !matcher.group(3).equalsIgnoreCase(domain)) {
            return OptionalLong.empty();
        }
        try {
            long evaluationId = Long.parseLong(matcher.group(1));
            boolean genuine = MessageDigest.isEqual(
                    matcher.group(2).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII),
                    signature(evaluationId).getBytes(StandardCharsets.US_ASCII));
            return genuine ? OptionalLong.of(evaluationId) : OptionalLong.empty();
        }
        catch (NumberFormatException ex) {
            return OptionalLong.empty();
        }
    }

    private String signature(long evaluationId) {
        return HexFormat.of().formatHex(key.sign(PURPOSE, Long.toString(evaluationId), SIGNATURE_BYTES));
    }

}
