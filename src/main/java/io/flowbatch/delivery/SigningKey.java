package io.flowbatch.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The key flowbatch signs what it hands out with (unsubscribe links, return paths):
 * {@code flowbatch.delivery.unsubscribe-secret}, or generated once and kept in the
 * database, so what mail already sent carries keeps working after restarts and on every
 * instance. Each use signs under a purpose of its own, so a signature made for one is
 * worth nothing for another.
 */
@Component
public class SigningKey {

    static final String SECRET_SETTING = "unsubscribe-secret";

    static final String INSERT_SECRET = """
            INSERT INTO app_setting (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING
            """;

    static final String SELECT_SECRET = "SELECT value FROM app_setting WHERE name = :name";

    private final byte[] key;

    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    @Autowired
    SigningKey(DeliveryProperties properties, JdbcClient jdbc) {
        this.key = secret(properties, jdbc).getBytes(StandardCharsets.UTF_8);
    }

    /** A key of its own, for tests. */
    static SigningKey of(String secret) {
        return new SigningKey(secret);
    }

    private SigningKey(String secret) {
        this.key = secret.getBytes(StandardCharsets.UTF_8);
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

    /**
     * The first {@code bytes} of the HMAC-SHA256 of {@code value}, or of
     * {@code purpose:value} when a purpose is given.
     */
    byte[] sign(String purpose, String value, int bytes) {
        String signed = (purpose != null) ? purpose + ":" + value : value;
        return Arrays.copyOf(macs.get().doFinal(signed.getBytes(StandardCharsets.UTF_8)), bytes);
    }

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
