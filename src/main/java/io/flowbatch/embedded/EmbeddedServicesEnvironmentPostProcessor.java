package io.flowbatch.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * The zero-setup run: when no database is configured, starts embedded PostgreSQL, Redis
 * and an SMTP sink before any bean exists, and points the standard Spring Boot properties
 * at them (and, with the sink, the bounce listener that its bounces come back to).
 * Everything downstream (DataSource, Flyway, Redis, mail) is then configured exactly as
 * in production. A service the user did configure is left alone.
 */
public class EmbeddedServicesEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String PROPERTY_SOURCE_NAME = "flowbatchEmbeddedServices";

    static final String DEFAULTS_SOURCE_NAME = "flowbatchEmbeddedDefaults";

    /**
     * The return-path domain of the zero-setup run, whose mail never leaves this host.
     */
    static final String DEMO_RETURN_PATH_DOMAIN = "bounces.flowbatch.local";

    private final Log logger;

    public EmbeddedServicesEnvironmentPostProcessor(DeferredLogFactory logFactory) {
        this.logger = logFactory.getLog(EmbeddedServicesEnvironmentPostProcessor.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        EmbeddedProperties settings = Binder.get(environment)
            .bindOrCreate("flowbatch.embedded", EmbeddedProperties.class);
        boolean databaseConfigured = isSet(environment, "spring.datasource.url");
        boolean enabled = (settings.enabled() != null) ? settings.enabled() : !databaseConfigured;
        if (!enabled || environment.getPropertySources().contains(PROPERTY_SOURCE_NAME)) {
            return;
        }
        EmbeddedServices.stopAllAtShutdown();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(EmbeddedProperties.ENABLED, true);
        if (!databaseConfigured) {
            EmbeddedPostgresServer postgres = EmbeddedServices.postgres(settings.dataDirectory(), settings.clean());
            properties.put("spring.datasource.url", postgres.jdbcUrl());
            properties.put("spring.datasource.username", EmbeddedPostgresServer.USER);
            properties.put("spring.datasource.password", "");
            logger.info("Embedded PostgreSQL at " + postgres.jdbcUrl() + ", data in " + postgres.dataDirectory());
        }
        if (!isSet(environment, "spring.data.redis.url") && !isSet(environment, "spring.data.redis.host")) {
            EmbeddedRedisServer redis = EmbeddedServices.redis(settings.dataDirectory());
            properties.put("spring.data.redis.url", "redis://" + redis.host() + ":" + redis.port());
            properties.put("spring.data.redis.host", redis.host());
            properties.put("spring.data.redis.port", redis.port());
            logger.info("Embedded Redis " + EmbeddedRedisServer.VERSION + " at " + redis.host() + ":" + redis.port());
        }
        if (!isSet(environment, "spring.mail.host")) {
            EmbeddedSmtpServer smtp = EmbeddedServices.smtp();
            properties.put("spring.mail.host", smtp.host());
            properties.put("spring.mail.port", smtp.port());
            logger.info("Embedded SMTP sink at " + smtp.host() + ":" + smtp.port());
            if (!isSet(environment, "flowbatch.bounces.return-path-domain")) {
                // Bounces come back as they would from the Internet: to each message's
                // return path, through the inbound listener.
                int listener = ProcessFiles.freePort();
                properties.put("flowbatch.bounces.return-path-domain", DEMO_RETURN_PATH_DOMAIN);
                properties.put("flowbatch.bounces.smtp.port", listener);
                properties.put("flowbatch.bounces.smtp.bind-address", smtp.host());
                smtp.returnBouncesTo(listener, settings.bounceDelay());
                logger.info("Bounce listener for " + DEMO_RETURN_PATH_DOMAIN + " at " + smtp.host() + ":" + listener);
            }
        }
        // First: these only name services the user left blank, and a blank value set
        // elsewhere
        // (an unset ${VARIABLE:} in a profile, say) must not hide them.
        environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
        // Last: a default only; flowbatch.demo.enabled=false set anywhere wins.
        environment.getPropertySources()
            .addLast(new MapPropertySource(DEFAULTS_SOURCE_NAME, Map.of("flowbatch.demo.enabled", true)));
    }

    private static boolean isSet(ConfigurableEnvironment environment, String name) {
        return StringUtils.hasText(environment.getProperty(name));
    }

    @Override
    public int getOrder() {
        // After the config data processor, so application properties and profiles are
        // visible.
        return Ordered.LOWEST_PRECEDENCE;
    }

}
