package io.flowbatch.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.data.redis.health.DataRedisHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.mail.health.MailHealthIndicator;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

/**
 * The mail relay and Redis, as operators see them: each checked by Spring Boot's own
 * indicator, but reported {@link #DEGRADED} rather than DOWN. The job survives both
 * outages (a relay away fails the minute, which is restarted or picked up by the next;
 * Redis away is reconciled from PostgreSQL), so neither may take the application DOWN: a
 * Kubernetes probe would restart every instance during a relay outage. The health
 * endpoint, the dashboard and the gauge {@code flowbatch.dependency.up} read the same
 * checks, each at most once every few seconds.
 */
@Component
public class DependencyHealth implements MeterBinder {

    /**
     * Serving, with a dependency away: HTTP 200 on the health endpoint
     * (application.properties).
     */
    public static final Status DEGRADED = new Status("DEGRADED");

    static final String MAIL = "mail";

    static final String REDIS = "redis";

    /** How long one check's answer serves the endpoint, the dashboard and the gauge. */
    static final Duration FRESH_FOR = Duration.ofSeconds(5);

    private final Map<String, HealthIndicator> checks = new LinkedHashMap<>();

    private final Map<String, Checked> last = new LinkedHashMap<>();

    private final Clock clock;

    DependencyHealth(JavaMailSenderImpl mailSender, RedisConnectionFactory redis, Clock clock) {
        this.checks.put(MAIL, new MailHealthIndicator(mailSender));
        this.checks.put(REDIS, new DataRedisHealthIndicator(redis));
        this.clock = clock;
    }

    /** One dependency now: UP, or DEGRADED with what the check found. */
    public synchronized Health health(String name) {
        Instant now = clock.instant();
        Checked checked = last.get(name);
        if (checked == null || checked.at().plus(FRESH_FOR).isBefore(now)) {
            checked = new Checked(degraded(name, checks.get(name).health()), now);
            last.put(name, checked);
        }
        return checked.health();
    }

    /** Every dependency, for the dashboard. */
    public List<Dependency> all() {
        return checks.keySet().stream().map((name) -> {
            Health health = health(name);
            Object error = health.getDetails().get("error");
            return new Dependency(name, health.getStatus().getCode(), (error != null) ? error.toString() : null);
        }).toList();
    }

    private static Health degraded(String name, Health health) {
        if (Status.UP.equals(health.getStatus())) {
            return health;
        }
        return Health.status(DEGRADED).withDetails(health.getDetails()).withDetail("impact", impact(name)).build();
    }

    private static String impact(String name) {
        return MAIL.equals(name)
                ? "nothing can be sent: each minute fails with its evaluations back in the buffer, and is sent once the relay is back"
                : "ids cannot be buffered: the minute fails or waits, and PostgreSQL's BUFFERED rows are pushed again once Redis is back";
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String name : checks.keySet()) {
            Gauge
                .builder("flowbatch.dependency.up", this,
                        (health) -> Status.UP.equals(health.health(name).getStatus()) ? 1 : 0)
                .tag("dependency", name)
                .description(
                        "1 while the dependency answers its health check, 0 while flowbatch runs degraded without it")
                .register(registry);
        }
    }

    /** A dependency on the dashboard. */
    public record Dependency(String name, String status, String error) {
    }

    private record Checked(Health health, Instant at) {
    }

}
