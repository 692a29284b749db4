package io.flowbatch.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.OptionalLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Signed unsubscribe links: {@code /u/{customerId}.{signature}}. The signature is an HMAC
 * of the customer id, so a link works without login and cannot be forged for another
 * customer. The key comes from settings, or is generated once and kept in the database so
 * links in mail already sent keep working after restarts and on every instance.
 */
@Component
public class UnsubscribeLinks {

    static final String SECRET_SETTING = "unsubscribe-secret";

    static final String INSERT_SECRET = """
            INSERT INTO app_setting (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING
            """;

    static final String SELECT_SECRET = "SELECT value FROM app_setting WHERE name = :name";

    private static final int SIGNATURE_BYTES = 16;

    private final byte[] key;

    private final String baseUrl;

    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    UnsubscribeLinks(DeliveryProperties properties, JdbcClient jdbc) {
        this.key = secret(properties, jdbc).getBytes(StandardCharsets.UTF_8);
        this.baseUrl = properties.publicUrl().replaceAll("/+$", "") + "/u/";
    }

    private static String secret(DeliveryProperties properties, JdbcClient jdbc) {
        if (StringUtils.hasText(properties.unsubscribeSecret())) {
            return properties.unsubscribeSecret();
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        jdbc.sql(INSERT_SECRET)
            .param("name", SECRET_SETTING)
            .param("value", Base64.getUrlEncoder().withoutPadding().encodeToString(random))
            .update();
        return jdbc.sql(SELECT_SECRET).param("name", SECRET_SETTING).query(String.class).single();
    }

    public String url(long customerId) {
        return baseUrl + token(customerId);
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

    private byte[] sign(long customerId) {
        return Arrays.copyOf(macs.get().doFinal(Long.toString(customerId).getBytes(StandardCharsets.UTF_8)),
                SIGNATURE_BYTES);
    }

    /**
     * A keyed Mac per thread: creating one costs a provider lookup, and one link is made
     * per message.
     */
    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HmacSHA256 is not available", ex);
        }
    }

}
