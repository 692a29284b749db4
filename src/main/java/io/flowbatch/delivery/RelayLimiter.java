package io.flowbatch.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.ProxyManager;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * One relay's limits, shared by every instance through Redis: its rate (a Bucket4j token
 * bucket, lowered on throttling replies and raised back while the relay accepts: additive
 * increase, multiplicative decrease) and its rolling hourly and daily quotas (a script
 * that counts sends per minute). Without a rate or quotas it grants everything. If Redis
 * loses the counters, a relay can be sent at most one more window's worth (a second, an
 * hour or a day) than its limit.
 */
public final class RelayLimiter {

    static final String KEY_PREFIX = "flowbatch:relay:";

    /** The lowest a relay's rate falls to, as a share of its limit. */
    static final double FLOOR = 1.0 / 64;

    /**
     * How much of the limit the rate grows back by per second without a throttling reply.
     */
    static final double INCREASE = 1.0 / 20;

    @SuppressWarnings({ "rawtypes", "unchecked" })
    private static final RedisScript<List<Long>> QUOTA = (RedisScript) RedisScript
        .of(new ClassPathResource("redis/relay-quota.lua"), List.class);

    private final String name;

    private final RelayProperties.Relay settings;

    private final int window;

    private final Supplier<ProxyManager<byte[]>> buckets;

    private final StringRedisTemplate redis;

    private final Clock clock;

    private final AtomicLong throttled = new AtomicLong();

    private volatile BucketProxy bucket;

    private volatile double rate;

    private volatile long lastChangeMillis;

    RelayLimiter(String name, RelayProperties.Relay settings, int window, Supplier<ProxyManager<byte[]>> buckets,
            StringRedisTemplate redis, Clock clock) {
        this.name = name;
        this.settings = settings;
        this.window = window;
        this.buckets = buckets;
        this.redis = redis;
        this.clock = clock;
        this.rate = (limit() != null) ? limit() : 0;
    }

    /** The configured rate, messages per second; null for none. */
    public Double limit() {
        return (settings != null) ? settings.rate() : null;
    }

    /** The rate now, after throttling; null for no limit. */
    public Double rate() {
        return (limit() != null) ? rate : null;
    }

    public long throttledReplies() {
        return throttled.get();
    }

    /**
     * Waits at most the relay's {@code max-wait} for the rate to allow {@code messages}
     * more (at most a window's worth at a time).
     * @return whether they may go now
     */
    public boolean acquire(int messages) throws InterruptedException {
        if (limit() == null || messages == 0) {
            return true;
        }
        Duration maxWait = settings.maxWait();
        // A slow relay's burst can be smaller than a window: its messages are taken in
        // bursts.
        long deadline = System.nanoTime() + maxWait.toNanos();
        long remaining = messages;
        while (remaining > 0) {
            long take = Math.min(remaining, capacity(rate));
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            if (!bucket().asBlocking().tryConsume(take, left)) {
                return false;
            }
            remaining -= take;
        }
        return true;
    }

    /**
     * Takes up to {@code messages} from the relay's rolling quotas.
     * @return how many may go, and where to give back those that then did not
     */
    public QuotaTaken takeQuota(int messages) {
        if (!hasQuota() || messages == 0) {
            return new QuotaTaken(messages, -1);
        }
        long minute = clock.millis() / 60_000;
        return new QuotaTaken(quota(minute, messages).get(0).intValue(), minute);
    }

    /**
     * Gives back quota taken for messages that did not go out (held back by the rate,
     * never handed over).
     */
    public void giveBack(QuotaTaken taken, int messages) {
        if (taken.minute() >= 0 && messages > 0) {
            redis.opsForValue().decrement(KEY_PREFIX + name + ":sent:" + taken.minute(), messages);
        }
    }

    /**
     * What {@link #takeQuota} granted.
     *
     * @param granted how many may go
     * @param minute the epoch minute they were counted in; -1 without quotas
     */
    public record QuotaTaken(int granted, long minute) {
    }

    /**
     * Messages sent through it in the last hour and the last 24 hours, or null without
     * quotas.
     */
    public List<Long> quotaUsed() {
        if (!hasQuota()) {
            return null;
        }
        List<Long> used = quota(clock.millis() / 60_000, 0);
        return List.of(used.get(1), used.get(2));
    }

    /**
     * A throttling reply (421, 451 4.7.x, 454 "Throttling failure"): the rate halves, for
     * every instance.
     */
    public void throttled() {
        throttled.incrementAndGet();
        if (limit() != null) {
            change(Math.max(limit() * FLOOR, rate / 2));
        }
    }

    /** The relay accepted messages: the rate grows back, at most once a second. */
    public void accepted() {
        if (limit() != null && rate < limit() && clock.millis() - lastChangeMillis >= 1000) {
            change(Math.min(limit(), rate + limit() * INCREASE));
        }
    }

    /** Messages in any rolling hour; null for none. */
    public Long hourlyQuota() {
        return (settings != null) ? settings.hourlyQuota() : null;
    }

    /** Messages in any rolling 24 hours; null for none. */
    public Long dailyQuota() {
        return (settings != null) ? settings.dailyQuota() : null;
    }

    public boolean hasQuota() {
        return settings != null && (settings.hourlyQuota() != null || settings.dailyQuota() != null);
    }

    private synchronized void change(double newRate) {
        rate = newRate;
        lastChangeMillis = clock.millis();
        bucket().replaceConfiguration(configuration(newRate), TokensInheritanceStrategy.PROPORTIONALLY);
    }

    private List<Long> quota(long minute, int messages) {
        List<Long> result = redis.execute(QUOTA, List.of(KEY_PREFIX + name + ":sent:"), Long.toString(minute),
                Integer.toString(messages),
                Long.toString((settings.hourlyQuota() != null) ? settings.hourlyQuota() : 0),
                Long.toString((settings.dailyQuota() != null) ? settings.dailyQuota() : 0));
        return result;
    }

    private BucketProxy bucket() {
        BucketProxy current = bucket;
        if (current == null) {
            synchronized (this) {
                if (bucket == null) {
                    bucket = buckets.get()
                        .builder()
                        .build((KEY_PREFIX + name + ":rate").getBytes(StandardCharsets.UTF_8),
                                () -> configuration(limit()));
                }
                current = bucket;
            }
        }
        return current;
    }

    private long capacity(double perSecond) {
        // At most a quarter of a minute's messages, so that the refill keeps at least
        // half.
        return Math.max(1, Math.min(window, Math.round(perSecond * 60) / 4));
    }

    /**
     * A burst of one window, and a refill that keeps any minute as the relay sees it
     * within {@code rate} × 60. Taken off the refill: the burst, and a second's worth (at
     * least a window) for messages granted before a minute that reach the relay within
     * it, since a window waits for its SENDING mark between its grant and the wire.
     * Measured at a limit of 200/s with two instances, the relay's busiest 60 seconds:
     * 200.3/s with only the burst taken off, 200.2/s with a window more.
     */
    private BucketConfiguration configuration(double perSecond) {
        long perMinute = Math.max(1, Math.round(perSecond * 60));
        long capacity = capacity(perSecond);
        long slack = Math.max(capacity, Math.round(perSecond));
        return BucketConfiguration.builder()
            .addLimit((limit) -> limit.capacity(capacity)
                .refillGreedy(Math.max(1, perMinute - capacity - slack), Duration.ofMinutes(1)))
            .build();
    }

}
