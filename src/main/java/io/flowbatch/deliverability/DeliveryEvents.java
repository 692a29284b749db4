package io.flowbatch.deliverability;

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

    private final JdbcClient jdbc;

    DeliveryEvents(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records a report; false when the same one (the same kind about the same message, or
     * about the same address when it names no message) was recorded before.
     */
    boolean record(BounceType type, Long evaluationId, String email, String diagnostic, String source) {
        String key = type + ":" + ((evaluationId != null) ? "evaluation:" + evaluationId : "email:" + email);
        return jdbc.sql(RECORD)
            .param("key", key)
            .param("type", type.name())
            .param("evaluationId", evaluationId)
            .param("email", email)
            .param("diagnostic", diagnostic)
            .param("source", source)
            .update() == 1;
    }

    /**
     * Keeps a report that names no message flowbatch sent, or says nothing it acts on.
     */
    void reject(String reason, String address, String diagnostic, String source) {
        jdbc.sql(REJECT)
            .param("reason", reason)
            .param("email", address)
            .param("diagnostic", diagnostic)
            .param("source", source)
            .update();
    }

}
