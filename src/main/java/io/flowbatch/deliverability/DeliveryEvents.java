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

}
