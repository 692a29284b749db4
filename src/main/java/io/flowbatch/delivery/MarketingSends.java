package io.flowbatch.delivery;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Smart sending and frequency caps: the marketing emails each customer was sent (or is
 * being sent) recently, across actions, partitions and nodes. A chunk reserves its
 * customers in one conditional upsert committed before it sends: the upsert waits for the
 * row lock of a chunk reserving the same customer, then decides on the row as that chunk
 * left it, so of two chunks only what the controls allow passes. A reservation whose
 * message did not go out is given back. Owner of {@code marketing_send}.
 */
@Component
public class MarketingSends {

    /**
     * Appends each candidate's send to its customer's row when the controls allow it: the
     * same evaluation already there (a retry), or no marketing email within the
     * smart-sending window (unless {@code :force}, an action without smart sending whose
     * send still counts for the others) and every cap below its count. Entries older than
     * any control looks at, and more than the largest cap counts, are dropped. One
     * candidate per customer: the upsert may touch a row once. Returns every candidate
     * with its customer's row as it now stands.
     */
    static final String RESERVE = """
            WITH candidate AS (
                SELECT DISTINCT ON (c.customer_id) c.customer_id, c.evaluation_id
                FROM unnest(:customers::bigint[], :evaluations::bigint[]) AS c(customer_id, evaluation_id)
                ORDER BY c.customer_id, c.evaluation_id
            ), upserted AS (
                INSERT INTO marketing_send AS m (customer_id, sends_at, evaluation_ids, action_ids)
                SELECT customer_id, ARRAY[:now::timestamptz], ARRAY[evaluation_id], ARRAY[:actionId::bigint]
                FROM candidate
                ON CONFLICT (customer_id) DO UPDATE SET (sends_at, evaluation_ids, action_ids) = (
                    SELECT %1$s
                    FROM (
                        SELECT u.sent_at, u.evaluation_id, u.action_id FROM (
                            SELECT o.sent_at, o.evaluation_id, o.action_id
                            FROM unnest(m.sends_at, m.evaluation_ids, m.action_ids) AS o(sent_at, evaluation_id, action_id)
                            WHERE o.sent_at > :keepAfter AND o.evaluation_id <> excluded.evaluation_ids[1]
                            UNION ALL
                            SELECT excluded.sends_at[1], excluded.evaluation_ids[1], excluded.action_ids[1]
                            WHERE excluded.evaluation_ids[1] = ANY (m.evaluation_ids)
                               OR ((:force OR NOT EXISTS (SELECT 1 FROM unnest(m.sends_at) s WHERE s > :smartAfter))
                                   AND NOT EXISTS (
                                       SELECT 1 FROM unnest(:capCounts::int[], :capAfter::timestamptz[]) AS cap(n, after)
                                       WHERE (SELECT count(*) FROM unnest(m.sends_at) s WHERE s > cap.after) >= cap.n))
                        ) u
                        ORDER BY u.sent_at DESC
                        LIMIT :keep
                    ) k)
                RETURNING m.customer_id, m.sends_at, m.evaluation_ids, m.action_ids
            )
            SELECT c.evaluation_id, u.sends_at, u.evaluation_ids, u.action_ids
            FROM unnest(:customers::bigint[], :evaluations::bigint[]) AS c(customer_id, evaluation_id)
            LEFT JOIN upserted u ON u.customer_id = c.customer_id
            """
        .formatted(entries("k"));

    /** Gives reservations back: each evaluation's entry leaves its customer's row. */
    static final String RELEASE = """
            UPDATE marketing_send m SET (sends_at, evaluation_ids, action_ids) = (
                SELECT %s
                FROM unnest(m.sends_at, m.evaluation_ids, m.action_ids) AS o(sent_at, evaluation_id, action_id)
                WHERE o.evaluation_id <> r.evaluation_id)
            FROM unnest(:customers::bigint[], :evaluations::bigint[]) AS r(customer_id, evaluation_id)
            WHERE m.customer_id = r.customer_id AND r.evaluation_id = ANY (m.evaluation_ids)
            """.formatted(entries("o"));

    /**
     * A row's three arrays again from the entries of relation {@code entry} (its columns
     * {@code sent_at, evaluation_id, action_id}), oldest first, in the same order.
     */
    private static String entries(String entry) {
        return """
                COALESCE(array_agg(%1$s.sent_at ORDER BY %1$s.sent_at, %1$s.evaluation_id), '{}'),
                COALESCE(array_agg(%1$s.evaluation_id ORDER BY %1$s.sent_at, %1$s.evaluation_id), '{}'),
                COALESCE(array_agg(%1$s.action_id ORDER BY %1$s.sent_at, %1$s.evaluation_id), '{}')""".formatted(entry);
    }

    private final JdbcClient jdbc;

    private final TransactionTemplate ownTransaction;

    private final Duration smartSendingWindow;

    private final List<FrequencyCap> caps;

    /** How long an entry can matter to a control. */
    private final Duration kept;

    /** How many entries can matter to a control. */
    private final int keep;

    private final Clock clock;

    MarketingSends(JdbcClient jdbc, PlatformTransactionManager transactionManager, DeliveryProperties properties,
            Clock clock) {
        this.jdbc = jdbc;
        this.smartSendingWindow = properties.smartSendingWindow();
        this.caps = properties.frequencyCaps();
        this.kept = caps.stream().map(FrequencyCap::window).reduce(smartSendingWindow, MarketingSends::longer);
        this.keep = caps.stream().mapToInt(FrequencyCap::count).reduce(1, Math::max);
        this.clock = clock;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** An evaluation about to send a marketing email to a customer. */
    public record Candidate(long evaluationId, long customerId) {
    }

    /**
     * Why a candidate must not send now.
     *
     * @param reason for operators
     * @param deferUntil when the frequency cap allows it, for an action that defers; null
     * when it is skipped
     */
    public record Refusal(String reason, Instant deferUntil) {

        public boolean deferred() {
            return deferUntil != null;
        }

    }

    /**
     * Reserves the candidates' customers for the action, committed at once. With
     * {@code smartSending}, a customer sent a marketing email within the window is not
     * reserved; without, the send still counts for other actions. A customer at a
     * frequency cap is not reserved either; with {@code deferOnCap} the refusal says when
     * the cap allows.
     * @return why each candidate that was not reserved must not send, by evaluation id
     */
    public Map<Long, Refusal> reserve(long actionId, boolean smartSending, boolean deferOnCap,
            List<Candidate> candidates) {
        if (candidates.isEmpty()) {
            return Map.of();
        }
        Instant now = clock.instant();
        Map<Long, Refusal> refused = new HashMap<>();
        ownTransaction.executeWithoutResult((status) -> jdbc.sql(RESERVE)
            .param("customers", candidates.stream().map(Candidate::customerId).toArray(Long[]::new))
            .param("evaluations", candidates.stream().map(Candidate::evaluationId).toArray(Long[]::new))
            .param("now", utc(now))
            .param("smartAfter", utc(now.minus(smartSendingWindow)))
            .param("keepAfter", utc(now.minus(kept)))
            .param("keep", keep)
            .param("capCounts", caps.stream().map(FrequencyCap::count).toArray(Integer[]::new))
            .param("capAfter", caps.stream().map((cap) -> now.minus(cap.window()).toString()).toArray(String[]::new))
            .param("actionId", actionId)
            .param("force", !smartSending)
            .query((ResultSet rs) -> {
                long evaluationId = rs.getLong("evaluation_id");
                List<Entry> entries = entries(rs);
                if (entries.stream().noneMatch((entry) -> entry.evaluationId() == evaluationId)) {
                    refused.put(evaluationId, refusal(entries, smartSending, deferOnCap, now));
                }
            }));
        return refused;
    }

    /**
     * Gives back the reservations of evaluations whose message did not go out.
     * @param reservations customer id by evaluation id
     */
    public void release(Map<Long, Long> reservations) {
        if (reservations.isEmpty()) {
            return;
        }
        List<Map.Entry<Long, Long>> released = List.copyOf(reservations.entrySet());
        ownTransaction.executeWithoutResult((status) -> jdbc.sql(RELEASE)
            .param("evaluations", released.stream().map(Map.Entry::getKey).toArray(Long[]::new))
            .param("customers", released.stream().map(Map.Entry::getValue).toArray(Long[]::new))
            .update());
    }

    /** One marketing email in a customer's row. */
    private record Entry(Instant sentAt, long evaluationId, long actionId) {
    }

    private static List<Entry> entries(ResultSet rs) throws SQLException {
        Array sentAt = rs.getArray("sends_at");
        if (sentAt == null) {
            return List.of();
        }
        Object[] times = (Object[]) sentAt.getArray();
        Object[] evaluations = (Object[]) rs.getArray("evaluation_ids").getArray();
        Object[] actions = (Object[]) rs.getArray("action_ids").getArray();
        List<Entry> entries = new ArrayList<>(times.length);
        for (int i = 0; i < times.length; i++) {
            entries.add(new Entry(((Timestamp) times[i]).toInstant(), ((Number) evaluations[i]).longValue(),
                    ((Number) actions[i]).longValue()));
        }
        return entries;
    }

    /** Which control refused, from the customer's row as the reservation left it. */
    private Refusal refusal(List<Entry> entries, boolean smartSending, boolean deferOnCap, Instant now) {
        Entry newest = entries.stream().max(Comparator.comparing(Entry::sentAt)).orElse(null);
        if (smartSending && newest != null && newest.sentAt().isAfter(now.minus(smartSendingWindow))) {
            return new Refusal("smart sending: a marketing email (action " + newest.actionId()
                    + ") went to this customer at " + newest.sentAt() + ", within " + smartSendingWindow, null);
        }
        FrequencyCap reached = null;
        Instant allowedAt = null;
        for (FrequencyCap cap : caps) {
            List<Instant> within = entries.stream()
                .map(Entry::sentAt)
                .filter((sentAt) -> sentAt.isAfter(now.minus(cap.window())))
                .sorted(Comparator.reverseOrder())
                .toList();
            if (within.size() >= cap.count()) {
                // Allowed again once the cap's count-th newest email leaves the window.
                Instant allowed = within.get(cap.count() - 1).plus(cap.window());
                if (allowedAt == null || allowed.isAfter(allowedAt)) {
                    allowedAt = allowed;
                    reached = cap;
                }
            }
        }
        if (reached == null) {
            // A second evaluation of this chunk for a customer the first one reserved.
            return new Refusal("smart sending: another marketing email to this customer is being sent now", null);
        }
        String cap = "frequency cap " + reached + ": " + reached.count()
                + " marketing emails went to this customer within " + FrequencyCap.spell(reached.window());
        return deferOnCap ? new Refusal("deferred: " + cap + "; it may send at " + allowedAt, allowedAt)
                : new Refusal(cap, null);
    }

    private static Duration longer(Duration a, Duration b) {
        return (a.compareTo(b) >= 0) ? a : b;
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

}
