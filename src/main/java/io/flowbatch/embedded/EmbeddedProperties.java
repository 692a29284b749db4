package io.flowbatch.embedded;

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
 */
@ConfigurationProperties("flowbatch.embedded")
public record EmbeddedProperties(Boolean enabled, @DefaultValue(".flowbatch") Path dataDirectory,
        @DefaultValue("false") boolean clean) {

    /** Property name of the switch, also set by the zero-setup run once it decided. */
    public static final String ENABLED = "flowbatch.embedded.enabled";

}
