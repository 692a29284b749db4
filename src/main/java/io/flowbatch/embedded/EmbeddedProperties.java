package io.flowbatch.embedded;

import java.time.Duration;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the zero-setup run: embedded PostgreSQL, Redis and SMTP sink.
 *
 * @param enabled start the embedded services; unset means "when no spring.datasource.url
 * is set"
 * @param dataDirectory where embedded PostgreSQL keeps its data and the binaries are
 * unpacked; it survives restarts so a demo can be stopped and continued
 * @param clean wipe the embedded PostgreSQL data at start (tests)
 * @param bounceDelay how long after the SMTP sink accepted a message for one of the
 * demo's bouncing addresses its bounce comes back
 */
@ConfigurationProperties("flowbatch.embedded")
public record EmbeddedProperties(Boolean enabled, @DefaultValue(".flowbatch") Path dataDirectory,
        @DefaultValue("false") boolean clean, @DefaultValue("PT20S") Duration bounceDelay) {

    /** Property name of the switch, also set by the zero-setup run once it decided. */
    public static final String ENABLED = "flowbatch.embedded.enabled";

}
