package io.flowbatch.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends, hard bounces and complaints per action, relay and minute: what the reputation
 * guard judges an action and a relay by. A chunk adds its sends in one upsert; a bounce
 * or a complaint counts in the minute it arrives, so that the rates over the latest sends
 * are read from a few rows, never from the evaluations. Owner of {@code send_tally}.
 */
@Repository
public class SendTally {

    static final String ADD = """
            INSERT INTO send_tally AS t (action_id, relay, minute, sent, hard_bounces, complaints)
            VALUES (:actionId, :relay, :minute, :sent, :hardBounces, :complaints)
            ON CONFLICT (action_id, minute, relay) DO UPDATE SET sent = t.sent + excluded.sent,
                hard_bounces = t.hard_bounces + excluded.hard_bounces, complaints = t.complaints + excluded.complaints
            """;

    /**
     * For each key ({@code %1$s}) of the rows {@code %2$s} selects, its newest minutes,
     * as many as it takes to hold {@code :window} sends (the minute that crosses it
     * counts whole). A key without rows is not returned.
     */
    private static final String WINDOWS = """
            SELECT key, sum(sent) AS sent, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints
            FROM (
                SELECT key, sent, hard_bounces, complaints,
                       sum(sent) OVER (PARTITION BY key ORDER BY minute DESC ROWS UNBOUNDED PRECEDING) - sent AS newer
                FROM (
                    SELECT %1$s AS key, t.minute, sum(t.sent) AS sent, sum(t.hard_bounces) AS hard_bounces,
                           sum(t.complaints) AS complaints
                    FROM send_tally t %2$s
                    GROUP BY 1, t.minute
                ) m
            ) w
            WHERE newer < :window
            GROUP BY key
            """;

    /**
     * Each action's minutes since its own {@code since}: one statement for many actions.
     */
    static final String OF_ACTIONS = WINDOWS.formatted("t.action_id", """
            JOIN unnest(:actionIds::bigint[], :sinces::timestamptz[]) AS a(id, since)
              ON t.action_id = a.id AND t.minute >= a.since""");

    /** Every action's sends through the relay. */
    static final String OF_RELAY = WINDOWS.formatted("t.relay", "WHERE t.relay = :relay AND t.minute >= :since");

    static final String DELETE_BEFORE = "DELETE FROM send_tally WHERE minute < :before";

    private static final Log logger = LogFactory.getLog(SendTally.class);

    private final JdbcClient jdbc;

    private final Clock clock;

    private final ApplicationEventPublisher events;

    private final TransactionTemplate ownTransaction;

    SendTally(JdbcClient jdbc, Clock clock, ApplicationEventPublisher events,
            PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.events = events;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** Sends, hard bounces and complaints over a window of sends. */
    public record Rates(long sent, long hardBounces, long complaints) {

        static final Rates NONE = new Rates(0, 0, 0);

        public double hardBounceRate() {
            return (sent > 0) ? (double) hardBounces / sent : 0;
        }

        public double complaintRate() {
            return (sent > 0) ? (double) complaints / sent : 0;
        }

    }

    /**
     * A chunk's messages that reached a decision: {@code sent} accepted, and those the
     * relay refused for good, which count as sends (the guard's rates are per send
     * attempted) and are published for deliverability to judge as bounces once the chunk
     * commits. The count is written in a short transaction of its own, so that the
     * tally's row is locked only for it, and never fails the chunk, whose mail is out: a
     * count lost to a database error only makes the guard see fewer sends.
     */
    public void chunk(long actionId, String relay, int sent, List<MessagesRefused.Refused> refused) {
        int attempted = sent + refused.size();
        if (attempted > 0) {
            try {
                ownTransaction.executeWithoutResult((status) -> add(actionId, relay, attempted, 0, 0));
            }
            catch (RuntimeException ex) {
                logger.warn("Could not count " + attempted + " sends of action " + actionId
                        + " for the reputation guard: " + ex.getMessage());
            }
        }
        if (!refused.isEmpty()) {
            events.publishEvent(new MessagesRefused(actionId, name(relay), List.copyOf(refused)));
        }
    }

    public void hardBounce(long actionId, String relay) {
        add(actionId, relay, 0, 1, 0);
    }

    public void complaint(long actionId, String relay) {
        add(actionId, relay, 0, 0, 1);
    }

    /** The action's latest {@code window} sends since {@code since}. */
    public Rates ofAction(long actionId, Instant since, int window) {
        return ofActions(Map.of(actionId, since), window).get(actionId);
    }

    /**
     * Each action's latest {@code window} sends since its instant, in one statement.
     * Minutes count from the first whole one after the instant: the minute of a resume
     * holds what came before it, which must not pause the action again; what it sends in
     * that minute goes uncounted.
     */
    public Map<Long, Rates> ofActions(Map<Long, Instant> since, int window) {
        List<Long> ids = List.copyOf(since.keySet());
        Map<Long, Rates> rates = new HashMap<>();
        ids.forEach((id) -> rates.put(id, Rates.NONE));
        jdbc.sql(OF_ACTIONS)
            .param("actionIds", ids.toArray(Long[]::new))
            .param("sinces", ids.stream().map((id) -> Timestamp.from(since.get(id))).toArray(Timestamp[]::new))
            .param("window", window)
            .query((ResultSet rs) -> {
                rates.put(rs.getLong("key"), rates(rs));
            });
        return rates;
    }

    /** The relay's latest {@code window} sends since {@code since}, every action's. */
    public Rates ofRelay(String relay, Instant since, int window) {
        return jdbc.sql(OF_RELAY)
            .param("relay", name(relay))
            .param("since", Timestamp.from(since))
            .param("window", window)
            .query((rs, row) -> rates(rs))
            .optional()
            .orElse(Rates.NONE);
    }

    private static Rates rates(ResultSet rs) throws SQLException {
        return new Rates(rs.getLong("sent"), rs.getLong("hard_bounces"), rs.getLong("complaints"));
    }

    /** Drops minutes no window reaches any more; returns how many. */
    public int deleteBefore(Instant before) {
        return jdbc.sql(DELETE_BEFORE).param("before", Timestamp.from(before)).update();
    }

    private void add(long actionId, String relay, int sent, int hardBounces, int complaints) {
        jdbc.sql(ADD)
            .param("actionId", actionId)
            .param("relay", name(relay))
            .param("minute", Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MINUTES)))
            .param("sent", sent)
            .param("hardBounces", hardBounces)
            .param("complaints", complaints)
            .update();
    }

    private static String name(String relay) {
        return (relay != null) ? relay : RelayProperties.DEFAULT;
    }

}
