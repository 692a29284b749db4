package io.flowbatch.system;

import java.security.SecureRandom;
import java.util.Base64;

import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The admin user and API key in force: configured ones, or ones generated for this run.
 */
@Component
public class Credentials {

    private static final SecureRandom random = new SecureRandom();

    private final String adminUser;

    private final String adminPassword;

    private final boolean adminPasswordGenerated;

    private final String apiKey;

    private final boolean apiKeyGenerated;

    public Credentials(SecurityProperties properties) {
        this.adminUser = properties.adminUser();
        this.adminPasswordGenerated = !StringUtils.hasText(properties.adminPassword());
        this.adminPassword = adminPasswordGenerated ? generate(18) : properties.adminPassword();
        this.apiKeyGenerated = !StringUtils.hasText(properties.apiKey());
        this.apiKey = apiKeyGenerated ? generate(32) : properties.apiKey();
    }

    private static String generate(int bytes) {
        byte[] secret = new byte[bytes];
        random.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    public String adminUser() {
        return adminUser;
    }

    public String adminPassword() {
        return adminPassword;
    }

    public boolean adminPasswordGenerated() {
        return adminPasswordGenerated;
    }

    public String apiKey() {
        return apiKey;
    }

    public boolean apiKeyGenerated() {
        return apiKeyGenerated;
    }

}
