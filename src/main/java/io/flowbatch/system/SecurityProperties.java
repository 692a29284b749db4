package io.flowbatch.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Credentials of the two kinds of caller. A credential left empty is generated at start
 * and logged once.
 *
 * @param adminUser user name for the admin pages, the admin API and actuator
 * @param adminPassword password of the admin user
 * @param apiKey value of the {@code X-Api-Key} header that intake and flow calls must
 * carry
 */
@ConfigurationProperties("flowbatch.security")
public record SecurityProperties(@DefaultValue("admin") String adminUser, String adminPassword, String apiKey) {
}
