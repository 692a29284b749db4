package io.flowbatch.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

/**
 * Every relay mail can leave through: {@code default} (the {@code spring.mail.*} one) and
 * each {@code flowbatch.relays.<name>}, with its own connections and its limits.
 */
@Component
public class Relays implements DisposableBean {

    static final String RATE = "flowbatch.relay.rate";

    static final String LIMIT = "flowbatch.relay.limit";

    static final String THROTTLED = "flowbatch.relay.throttled";

    static final String QUOTA_USED = "flowbatch.relay.quota.used";

    private final Map<String, Relay> relays = new LinkedHashMap<>();

    private final List<SmtpSender> owned = new ArrayList<>();

    private final RedisConnectionFactory redisConnections;

    private StatefulRedisConnection<byte[], byte[]> bucketConnection;

    private ProxyManager<byte[]> buckets;

    Relays(SmtpSender defaultSender, JavaMailSenderImpl defaultMail, RelayProperties properties,
            DeliveryProperties delivery, RedisConnectionFactory redisConnections, StringRedisTemplate redis,
            MeterRegistry meters, Clock clock) {
        this.redisConnections = redisConnections;
        Map<String, RelayProperties.Relay> configured = new LinkedHashMap<>(properties.relays());
        RelayProperties.Relay defaultSettings = configured.remove(RelayProperties.DEFAULT);
        SmtpSender first = defaultSender;
        if (defaultSettings != null && defaultSettings.host() != null && !defaultSettings.host().isBlank()) {
            first = sender(defaultSettings, defaultMail, delivery, meters);
        }
        add(RelayProperties.DEFAULT, first, defaultSettings, delivery, redis, meters, clock);
        configured.forEach((name, settings) -> add(name, sender(settings, defaultMail, delivery, meters), settings,
                delivery, redis, meters, clock));
    }

    /** A relay: where its mail goes and how fast it may. */
    public record Relay(String name, SmtpSender sender, RelayLimiter limiter) {
    }

    /** The relays' names, sorted. */
    public Set<String> names() {
        return new TreeSet<>(relays.keySet());
    }

    /** The relay of this name; {@code default} for null. */
    public Relay relay(String name) {
        Relay relay = relays.get((name != null) ? name : RelayProperties.DEFAULT);
        if (relay == null) {
            throw new IllegalStateException("No relay named '" + name + "' is configured (flowbatch.relays." + name
                    + ".host); configured: " + names());
        }
        return relay;
    }

    public List<Relay> all() {
        return List.copyOf(relays.values());
    }

    /**
     * The longest hand-over of any relay: how long a sender taken for dead may still be
     * sending.
     */
    public Duration longestHandover() {
        return relays.values()
            .stream()
            .map((relay) -> relay.sender().longestHandover())
            .max(Duration::compareTo)
            .orElseThrow();
    }

    private void add(String name, SmtpSender sender, RelayProperties.Relay settings, DeliveryProperties delivery,
            StringRedisTemplate redis, MeterRegistry meters, Clock clock) {
        RelayLimiter limiter = new RelayLimiter(name, settings, delivery.inFlightWindow(), this::buckets, redis, clock);
        relays.put(name, new Relay(name, sender, limiter));
        Gauge.builder(RATE, limiter, (l) -> (l.rate() != null) ? l.rate() : Double.NaN)
            .description("Messages per second the relay may take now, after throttling")
            .tag("relay", name)
            .register(meters);
        Gauge.builder(LIMIT, limiter, (l) -> (l.limit() != null) ? l.limit() : Double.NaN)
            .description("Messages per second the relay is configured to take")
            .tag("relay", name)
            .register(meters);
        FunctionCounter.builder(THROTTLED, limiter, RelayLimiter::throttledReplies)
            .description("Throttling replies from the relay (421, 451 4.7.x, 454)")
            .tag("relay", name)
            .register(meters);
        if (limiter.hasQuota()) {
            for (int index = 0; index < 2; index++) {
                int window = index;
                Gauge.builder(QUOTA_USED, limiter, (l) -> quotaUsed(l, window))
                    .description("Messages counted against the relay's quota, all instances")
                    .tag("relay", name)
                    .tag("window", (window == 0) ? "hour" : "day")
                    .register(meters);
            }
        }
    }

    /** Read from Redis at each scrape; NaN while Redis cannot be asked. */
    private static double quotaUsed(RelayLimiter limiter, int window) {
        try {
            return limiter.quotaUsed().get(window);
        }
        catch (RuntimeException ex) {
            return Double.NaN;
        }
    }

    private SmtpSender sender(RelayProperties.Relay settings, JavaMailSenderImpl defaultMail,
            DeliveryProperties delivery, MeterRegistry meters) {
        JavaMailSenderImpl mail = new JavaMailSenderImpl();
        mail.setHost(settings.host());
        mail.setPort(settings.port());
        mail.setUsername(settings.username());
        mail.setPassword(settings.password());
        Properties javaMail = new Properties();
        // The timeouts of the spring.mail relay, so every relay's hand-over is bounded.
        for (String timeout : List.of("connectiontimeout", "timeout", "writetimeout")) {
            String value = defaultMail.getJavaMailProperties().getProperty("mail.smtp." + timeout);
            if (value != null) {
                javaMail.setProperty("mail.smtp." + timeout, value);
            }
        }
        if (settings.tls()) {
            javaMail.setProperty("mail.smtp.starttls.enable", "true");
            javaMail.setProperty("mail.smtp.starttls.required", "true");
        }
        mail.setJavaMailProperties(javaMail);
        SmtpSender sender = new SmtpSender(SmtpRelay.of(mail), settings.maxConnections(), delivery, meters);
        owned.add(sender);
        return sender;
    }

    /**
     * Bucket4j's proxy over a connection of its own, opened when a rate is first used.
     */
    private synchronized ProxyManager<byte[]> buckets() {
        if (buckets == null) {
            if (!(redisConnections instanceof LettuceConnectionFactory lettuce)
                    || !(lettuce.getRequiredNativeClient() instanceof RedisClient client)) {
                throw new IllegalStateException("Relay rates need a standalone Redis through Lettuce");
            }
            bucketConnection = client.connect(ByteArrayCodec.INSTANCE);
            buckets = Bucket4jLettuce.casBasedBuilder(bucketConnection)
                .expirationAfterWrite(
                        ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(5)))
                .build();
        }
        return buckets;
    }

    @Override
    public synchronized void destroy() {
        owned.forEach(SmtpSender::destroy);
        if (bucketConnection != null) {
            bucketConnection.close();
        }
    }

}
