package io.flowbatch.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of the HTTP API.
 *
 * @param maxRequestSize largest request body under {@code /api/}: 10,000 events with
 * small properties fit in a few megabytes; anything larger is refused with 413 before it
 * is read
 */
@ConfigurationProperties("flowbatch.http")
public record HttpProperties(@DefaultValue("32MB") DataSize maxRequestSize) {
}
