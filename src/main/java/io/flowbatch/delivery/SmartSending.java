package io.flowbatch.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Smart sending: at most one marketing email per customer within
 * {@code flowbatch.delivery.smart-sending-window}, across actions, partitions and nodes.
 * A chunk reserves its customers in one conditional statement, committed before it sends:
 * of two chunks that reach the same customer at once, the second finds the first's
 * reservation (the upsert waits for its row lock) and skips. A reservation whose message
 * did not go out is given back, the one before it restored, so a failure blocks no later
 * email. Owner of {@code marketing_send}.
 */
@Component
public class SmartSending {

    /**
     * Reserves each candidate's customer unless a marketing email went to them within the
     * window (or, with {@code :force}, an action without smart sending, whatever went
     * before: its send still counts for the others). One candidate per customer: the
     * upsert may touch a row once. The same evaluation reserving again (a retry) passes.
     * Returns every candidate, reserved or not, with the reservation that stood before.
     */
    static final String RESERVE = """
            WITH candidate AS (
                SELECT DISTINCT ON (c.customer_id) c.customer_id, c.evaluation_id
                FROM unnest(:customers::bigint[], :evaluations::bigint[]) AS c(customer_id, evaluation_id)
                ORDER BY c.customer_id, c.evaluation_id
            ), reserved AS (
                INSERT INTO marketing_send AS m (customer_id, sent_at, evaluation_id, action_id)
                SELECT customer_id, :now, evaluation_id, :actionId FROM candidate
                ON CONFLICT (customer_id) DO UPDATE SET
                    previous_sent_at = CASE WHEN m.evaluation_id = excluded.evaluation_id THEN m.previous_sent_at
                                            ELSE m.sent_at END,
                    previous_evaluation_id = CASE WHEN m.evaluation_id = excluded.evaluation_id
                                                  THEN m.previous_evaluation_id ELSE m.evaluation_id END,
                    previous_action_id = CASE WHEN m.evaluation_id = excluded.evaluation_id
                                              THEN m.previous_action_id ELSE m.action_id END,
                    sent_at = excluded.sent_at, evaluation_id = excluded.evaluation_id, action_id = excluded.action_id
                WHERE :force OR m.evaluation_id = excluded.evaluation_id OR m.sent_at <= :cutoff
                RETURNING m.evaluation_id
            )
            SELECT c.evaluation_id, r.evaluation_id IS NOT NULL AS reserved, b.sent_at, b.action_id
            FROM unnest(:customers::bigint[], :evaluations::bigint[]) AS c(customer_id, evaluation_id)
            LEFT JOIN reserved r ON r.evaluation_id = c.evaluation_id
            LEFT JOIN marketing_send b ON b.customer_id = c.customer_id
            """;

    /**
     * Gives reservations back: the one before restored, or none when there was none.
     */
    static final String RELEASE = """
            WITH released AS (
                DELETE FROM marketing_send WHERE evaluation_id = ANY(:evaluations::bigint[]) AND previous_sent_at IS NULL
                RETURNING 1
            )
            UPDATE marketing_send SET sent_at = previous_sent_at, evaluation_id = previous_evaluation_id,
                action_id = previous_action_id, previous_sent_at = NULL, previous_evaluation_id = NULL,
                previous_action_id = NULL
            WHERE evaluation_id = ANY(:evaluations::bigint[]) AND previous_sent_at IS NOT NULL
            """;

    private final JdbcClient jdbc;

    private final TransactionTemplate ownTransaction;

    private final Duration window;

    private final Clock clock;

    SmartSending(JdbcClient jdbc, PlatformTransactionManager transactionManager, DeliveryProperties properties,
            Clock clock) {
        this.jdbc = jdbc;
        this.window = properties.smartSendingWindow();
        this.clock = clock;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** An evaluation about to send a marketing email to a customer. */
    public record Candidate(long evaluationId, long customerId) {
    }

    /**
     * Reserves the candidates' customers for the action, committed at once. With
     * {@code smartSending}, a customer sent a marketing email within the window is not
     * reserved; without, every one is (the send still counts for other actions).
     * @return why each candidate that was not reserved must not send, by evaluation id
     */
    public Map<Long, String> reserve(long actionId, boolean smartSending, List<Candidate> candidates) {
        if (candidates.isEmpty()) {
            return Map.of();
        }
        Instant now = clock.instant();
        Map<Long, String> refused = new HashMap<>();
        ownTransaction.executeWithoutResult((status) -> jdbc.sql(RESERVE)
            .param("customers", candidates.stream().map(Candidate::customerId).toArray(Long[]::new))
            .param("evaluations", candidates.stream().map(Candidate::evaluationId).toArray(Long[]::new))
            .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
            .param("cutoff", OffsetDateTime.ofInstant(now.minus(window), ZoneOffset.UTC))
            .param("actionId", actionId)
            .param("force", !smartSending)
            .query((ResultSet rs) -> {
                if (!rs.getBoolean("reserved")) {
                    refused.put(rs.getLong("evaluation_id"), reason(rs, now.minus(window)));
                }
            }));
        return refused;
    }

    /** Gives back the reservations of evaluations whose message did not go out. */
    public void release(Collection<Long> evaluationIds) {
        if (evaluationIds.isEmpty()) {
            return;
        }
        ownTransaction.executeWithoutResult(
                (status) -> jdbc.sql(RELEASE).param("evaluations", evaluationIds.toArray(Long[]::new)).update());
    }

    private String reason(ResultSet rs, Instant cutoff) throws SQLException {
        OffsetDateTime sentAt = rs.getObject("sent_at", OffsetDateTime.class);
        if (sentAt == null || !sentAt.toInstant().isAfter(cutoff)) {
            // Reserved by another chunk after this statement's snapshot was taken, or by
            // an earlier candidate of this chunk for the same customer.
            return "smart sending: another marketing email to this customer is being sent now";
        }
        return "smart sending: a marketing email (action " + rs.getLong("action_id") + ") went to this customer at "
                + sentAt.toInstant() + ", within " + window;
    }

}
