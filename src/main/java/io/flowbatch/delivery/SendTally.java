package io.flowbatch.delivery;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

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
     * The newest minutes since {@code :since} of the rows {@code %s} selects, as many as
     * it takes to hold {@code :window} sends (the minute that crosses it counts whole).
     */
    private static final String WINDOW = """
            SELECT coalesce(sum(sent), 0) AS sent, coalesce(sum(hard_bounces), 0) AS hard_bounces,
                   coalesce(sum(complaints), 0) AS complaints
            FROM (
                SELECT sent, hard_bounces, complaints,
                       sum(sent) OVER (ORDER BY minute DESC ROWS UNBOUNDED PRECEDING) - sent AS newer
                FROM (
                    SELECT minute, sum(sent) AS sent, sum(hard_bounces) AS hard_bounces, sum(complaints) AS complaints
                    FROM send_tally WHERE %s AND minute >= :since GROUP BY minute
                ) m
            ) w
            WHERE newer < :window
            """;

    static final String OF_ACTION = WINDOW.formatted("action_id = :actionId");

    /** Every action's sends through the relay. */
    static final String OF_RELAY = WINDOW.formatted("relay = :relay");

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
        return rates(jdbc.sql(OF_ACTION).param("actionId", actionId), since, window);
    }

    /** The relay's latest {@code window} sends since {@code since}, every action's. */
    public Rates ofRelay(String relay, Instant since, int window) {
        return rates(jdbc.sql(OF_RELAY).param("relay", name(relay)), since, window);
    }

    /**
     * Minutes from the first whole one after {@code since}: the minute of a resume holds
     * what came before it, which must not pause the action again; what it sends in that
     * minute goes uncounted.
     */
    private static Rates rates(JdbcClient.StatementSpec statement, Instant since, int window) {
        return statement.param("since", Timestamp.from(since))
            .param("window", window)
            .query((rs, row) -> new Rates(rs.getLong("sent"), rs.getLong("hard_bounces"), rs.getLong("complaints")))
            .single();
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
