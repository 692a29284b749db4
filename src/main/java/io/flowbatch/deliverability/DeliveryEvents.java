package io.flowbatch.deliverability;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Every bounce and complaint received. Owner of {@code delivery_event}. */
@Repository
class DeliveryEvents {

    /** Records the event unless one with its key was recorded before. */
    static final String RECORD = """
            INSERT INTO delivery_event (dedupe_key, type, evaluation_id, email, diagnostic, source)
            VALUES (:key, :type, :evaluationId, :email, :diagnostic, :source)
            ON CONFLICT (dedupe_key) DO NOTHING
            """;

    /** A report that changes nothing, kept with why. */
    static final String REJECT = """
            INSERT INTO delivery_event (rejected, email, diagnostic, source) VALUES (:reason, :email, :diagnostic, :source)
            """;

    /** An address's soft bounces received since {@code :since}. */
    static final String SOFT_BOUNCES = """
            SELECT count(*) FROM delivery_event
            WHERE email = :email AND received_at >= :since AND type = 'SOFT' AND rejected IS NULL
            """;

    static final String EVENTS = "flowbatch.deliverability.events";

    /** The most of a rejected report's text kept. */
    static final int MAX_KEPT = 300;

    private final JdbcClient jdbc;

    private final Clock clock;

    private final MeterRegistry registry;

    DeliveryEvents(JdbcClient jdbc, Clock clock, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.registry = registry;
    }

    /**
     * Records a report; false when the same one (the same kind about the same message, or
     * about the same address on the same day when it names no message: soft bounces of an
     * address on different days count apart) was recorded before.
     */
    boolean record(BounceType type, Long evaluationId, String email, String diagnostic, String source) {
        String key = type + ":" + ((evaluationId != null) ? "evaluation:" + evaluationId
                : "email:" + email + ":" + LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
        boolean recorded = jdbc.sql(RECORD)
            .param("key", key)
            .param("type", type.name())
            .param("evaluationId", evaluationId)
            .param("email", email)
            .param("diagnostic", diagnostic)
            .param("source", source)
            .update() == 1;
        count(recorded ? type.name() : "DUPLICATE", source);
        return recorded;
    }

    long softBounces(String email, Instant since) {
        return jdbc.sql(SOFT_BOUNCES)
            .param("email", email)
            .param("since", Timestamp.from(since))
            .query(Long.class)
            .single();
    }

    /**
     * Keeps a report that names no message flowbatch sent, or says nothing it acts on.
     */
    void reject(String reason, String address, String diagnostic, String source) {
        // What a stranger sent is kept short: a rejected request may carry anything.
        jdbc.sql(REJECT)
            .param("reason", shortened(reason))
            .param("email", shortened(address))
            .param("diagnostic", shortened(diagnostic))
            .param("source", source)
            .update();
        count("REJECTED", source);
    }

    private static String shortened(String text) {
        return (text != null && text.length() > MAX_KEPT) ? text.substring(0, MAX_KEPT) + "…" : text;
    }

    private void count(String outcome, String source) {
        Counter.builder(EVENTS)
            .description("Bounces and complaints received, by type (or DUPLICATE, REJECTED) and source")
            .tag("type", outcome)
            .tag("source", source)
            .register(registry)
            .increment();
    }

}
