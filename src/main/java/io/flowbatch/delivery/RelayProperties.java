package io.flowbatch.delivery;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Named relays, {@code flowbatch.relays.<name>.*}: each action names the one its mail
 * leaves through, so that transactional and marketing mail can use different providers.
 * The relay {@code default} is the {@code spring.mail.*} one: an entry of that name
 * without a host only sets its limits.
 *
 * @param relays the relays by name
 */
@Validated
@ConfigurationProperties("flowbatch")
public record RelayProperties(Map<String, @Valid Relay> relays) {

    /** The {@code spring.mail.*} relay, and every action's when it names none. */
    public static final String DEFAULT = "default";

    public RelayProperties {
        relays = (relays != null) ? Map.copyOf(relays) : Map.of();
        relays.forEach((name, relay) -> {
            if (!name.equals(DEFAULT) && (relay.host() == null || relay.host().isBlank())) {
                throw new IllegalArgumentException("flowbatch.relays." + name + ".host must be set");
            }
        });
    }

    /**
     * One relay.
     *
     * @param host where it listens; for {@code default}, none keeps
     * {@code spring.mail.host}
     * @param port its port
     * @param username AUTH user, none for no AUTH
     * @param password AUTH password
     * @param tls {@code true}: STARTTLS required, the certificate checked against the
     * host
     * @param maxConnections connections this node keeps open to it at most
     * @param rate messages per second it accepts from all instances together; none for no
     * limit. Lowered by half on each throttling reply, raised back by a twentieth of it a
     * second while it accepts (AIMD)
     * @param hourlyQuota messages in any rolling hour, all instances together; none for
     * no quota
     * @param dailyQuota messages in any rolling 24 hours (as SES counts), all instances
     * together; none for no quota
     * @param maxWait the longest a connection waits for the rate to allow its next window
     * of messages; the rest of its chunk then waits for the next run. The waits queue in
     * order, so the relay is kept at its rate while less than this much demand is queued
     */
    public record Relay(String host, @DefaultValue("25") @Min(1) @Max(65535) int port, String username, String password,
            @DefaultValue("false") boolean tls, @DefaultValue("64") @Min(1) int maxConnections, @Positive Double rate,
            @Positive Long hourlyQuota, @Positive Long dailyQuota,
            @DefaultValue("PT30S") @DurationMin(millis = 1) Duration maxWait) {
    }

}
