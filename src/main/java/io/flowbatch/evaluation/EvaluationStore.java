package io.flowbatch.evaluation;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowbatch.system.LocalTimeProperties;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static io.flowbatch.evaluation.EvaluationState.BUFFERED;
import static io.flowbatch.evaluation.EvaluationState.FAILED;
import static io.flowbatch.evaluation.EvaluationState.IN_DOUBT;
import static io.flowbatch.evaluation.EvaluationState.PROCESSING;
import static io.flowbatch.evaluation.EvaluationState.SENDING;
import static io.flowbatch.evaluation.EvaluationState.SENT;
import static io.flowbatch.evaluation.EvaluationState.SKIPPED;
import static io.flowbatch.evaluation.EvaluationState.WAITING;

/**
 * Every state move of the minute job, as set-based statements: each one conditional on
 * the state it moves from, each one covering a page or a chunk, never a row at a time.
 * Moves that must be durable before the next thing happens (claim, SENDING) commit on
 * their own.
 */
@Repository
public class EvaluationStore {

    /**
     * Live and draft actions of live flows with due waiting evaluations; paused and
     * manual actions wait, and so does every step of a flow that is not live (paused).
     */
    static final String DUE_ACTIONS = """
            SELECT a.id, a.status, a.type, a.step_key, a.condition::text, a.send_window_days, a.send_window_from,
                   a.send_window_to FROM action a
            JOIN flow f ON f.id = a.flow_id AND f.status = 'LIVE'
            WHERE a.status IN ('LIVE', 'DRAFT') AND a.removed_in_version IS NULL
              AND EXISTS (SELECT 1 FROM evaluation e
                          WHERE e.action_id = a.id AND e.state = 'WAITING' AND e.due_at <= :now)
            ORDER BY a.id
            """;

    /**
     * The due WAITING rows of one action, oldest first, one page, locked for this
     * statement.
     */
    static final String DUE_PAGE = """
            SELECT id FROM evaluation
            WHERE action_id = :actionId AND state = 'WAITING' AND due_at <= :now
            ORDER BY due_at, id
            LIMIT :limit
            FOR UPDATE SKIP LOCKED
            """;

    /**
     * One page of a live action's due evaluations to BUFFERED. The page's rows are found
     * again by their ids as an array: joined to the page, the planner hashed the whole
     * table for each page (a sequential scan of every evaluation per thousand buffered).
     */
    @Transition(from = WAITING, to = BUFFERED)
    static final String BUFFER_PAGE = """
            WITH due AS (%s)
            UPDATE evaluation e SET state = 'BUFFERED', reason = NULL, claimed_by = NULL, updated_at = now()
            WHERE e.id = ANY (ARRAY(SELECT id FROM due))
            RETURNING e.id
            """.formatted(DUE_PAGE);

    /**
     * One page of the due evaluations of a live action with a send window: those inside
     * it (the customer's clock; their zone, else {@code :defaultZone}) to BUFFERED, the
     * others stay WAITING, due at the window's next opening, with the reason. The opening
     * is the same for every customer of a zone, so it is computed once per zone of the
     * page, not per row. Returns each row's id and whether it was buffered.
     */
    @Transition(from = WAITING, to = BUFFERED)
    static final String BUFFER_WINDOWED_PAGE = """
            WITH page AS (
                SELECT e.id, c.timezone
                FROM evaluation e LEFT JOIN customer c ON c.id = e.customer_id
                WHERE e.action_id = :actionId AND e.state = 'WAITING' AND e.due_at <= :now
                ORDER BY e.due_at, e.id
                LIMIT :limit
                FOR UPDATE OF e SKIP LOCKED
            ), zone AS (
                SELECT z.timezone, send_window_opening(:now, customer_zone(z.timezone, :defaultZone),
                                                       :days::smallint[], :opens::time, :closes::time) AS opening
                FROM (SELECT DISTINCT timezone FROM page) z
            ), due AS (
                SELECT array_agg(page.id) AS ids, array_agg(zone.opening) AS openings
                FROM page JOIN zone ON COALESCE(zone.timezone, '') = COALESCE(page.timezone, '')
            )
            UPDATE evaluation e SET
                state = CASE WHEN u.opening <= :now THEN 'BUFFERED' ELSE 'WAITING' END,
                due_at = CASE WHEN u.opening <= :now THEN e.due_at ELSE u.opening END,
                reason = CASE WHEN u.opening <= :now THEN NULL
                              ELSE 'deferred: outside the send window; it opens at '
                                   || to_char(u.opening AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END,
                claimed_by = NULL, updated_at = now()
            FROM unnest((SELECT ids FROM due), (SELECT openings FROM due)) AS u(id, opening)
            WHERE e.id = u.id
            RETURNING e.id, e.state = 'BUFFERED' AS buffered
            """;

    /**
     * One page of a draft action's due evaluations to SKIPPED; the flow goes on to its
     * next step, as it does when the processor finds the action a draft.
     */
    @Transition(from = WAITING, to = SKIPPED)
    static final String SKIP_DRAFT_PAGE = """
            WITH due AS (%s), skipped AS (
                UPDATE evaluation e SET state = 'SKIPPED', reason = :reason, claimed_by = NULL, updated_at = now()
                FROM due WHERE e.id = due.id
                RETURNING e.id, e.action_id, e.customer_id, e.event_id, e.flow_started_at
            ), continued AS (%s)
            SELECT id FROM skipped
            """.formatted(DUE_PAGE, FlowSteps.nextStepsOf("skipped"));

    /**
     * The step execution still holds its claim lease (ClaimLeases): checked in the
     * statement that claims or marks, so a step taken for dead can do neither, whatever
     * it believes.
     */
    static final String LEASE_HELD = """
            EXISTS (SELECT 1 FROM claim_lease l WHERE l.step_execution_id = :stepExecutionId
                    AND l.released_at IS NULL AND l.expires_at > now())
            """;

    static final String IS_LEASE_HELD = "SELECT " + LEASE_HELD;

    /**
     * The reader's claim of popped ids; ids no longer BUFFERED (stale Redis entries) drop
     * out.
     */
    @Transition(from = BUFFERED, to = PROCESSING)
    static final String CLAIM = """
            UPDATE evaluation SET state = 'PROCESSING', claimed_by = :stepExecutionId, updated_at = now()
            WHERE id = ANY(:ids::bigint[]) AND state = 'BUFFERED' AND action_id = :actionId AND %s
            RETURNING id, customer_id, event_id, flow_started_at, attempts
            """.formatted(LEASE_HELD);

    /**
     * The end of a chunk in one statement: every evaluation's outcome, the delivery log
     * of the sent ones, and the next action's evaluations for those that continue the
     * flow. Each row's target comes from Java, so the statement moves a row only along a
     * move of the state table, written into it from the table.
     */
    @Transition(from = { PROCESSING, SENDING }, to = { SENT, FAILED, WAITING, BUFFERED, SKIPPED, IN_DOUBT },
            perRow = true)
    static final String RECORD_OUTCOMES = recordOutcomes(EvaluationState.movesAsSqlRows(EnumSet.of(PROCESSING, SENDING),
            EnumSet.of(SENT, FAILED, WAITING, BUFFERED, SKIPPED, IN_DOUBT)), "", "");

    /**
     * While a chunk sends: the outcomes of a window that has settled and the SENDING mark
     * of the next one in one statement (disjoint rows). Marking requires the lease. No
     * outcome targets SENDING; the guard's extra move is the mark's own.
     */
    @Transition(from = { PROCESSING, SENDING }, to = { SENT, FAILED, WAITING, BUFFERED, SKIPPED, IN_DOUBT, SENDING },
            perRow = true)
    static final String RECORD_AND_MARK_SENDING = recordOutcomes(
            EvaluationState.movesAsSqlRows(EnumSet.of(PROCESSING, SENDING),
                    EnumSet.of(SENT, FAILED, WAITING, BUFFERED, SKIPPED, IN_DOUBT, SENDING)),
            """
                    , marked AS (
                        UPDATE evaluation SET state = 'SENDING', updated_at = now()
                        WHERE id = ANY(:next::bigint[]) AND state = 'PROCESSING' AND claimed_by = :stepExecutionId
                          AND %s
                        RETURNING id
                    )""".formatted(LEASE_HELD), ", (SELECT array_agg(id) FROM marked) AS marked");

    /** The recording statement, with the moves it allows and what else it does. */
    private static String recordOutcomes(String moves, String moreCtes, String moreColumns) {
        return """
                WITH outcome AS (
                    SELECT * FROM unnest(:ids::bigint[], :states::text[], :reasons::text[], :attempted::boolean[],
                                         :dueAt::timestamptz[], :continueFlow::boolean[])
                        AS o(id, state, reason, attempted, due_at, continue_flow)
                ), updated AS (
                    UPDATE evaluation e SET state = o.state, reason = o.reason,
                        attempts = e.attempts + CASE WHEN o.attempted THEN 1 ELSE 0 END,
                        due_at = COALESCE(o.due_at, e.due_at),
                        claimed_by = CASE WHEN o.state IN ('WAITING', 'BUFFERED') THEN NULL ELSE e.claimed_by END,
                        updated_at = now()
                    FROM outcome o
                    WHERE e.id = o.id AND e.claimed_by = :stepExecutionId AND (e.state, o.state) IN (VALUES %s)
                    RETURNING e.id, e.action_id, e.customer_id, e.event_id, e.flow_started_at, o.continue_flow
                ), logged AS (
                    INSERT INTO delivery_log (evaluation_id, message_id, recipient, sent_at, smtp_reply)
                    SELECT d.id, d.message_id, d.recipient, d.sent_at, d.reply
                    FROM unnest(:sentIds::bigint[], :messageIds::text[], :recipients::text[], :sentAt::timestamptz[],
                                :replies::text[]) AS d(id, message_id, recipient, sent_at, reply)
                    JOIN updated u ON u.id = d.id
                    ON CONFLICT (evaluation_id) DO NOTHING
                    RETURNING 1
                ), continued AS (%s
                    RETURNING 1
                )%s
                SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM logged) AS logged,
                       (SELECT count(*) FROM continued) AS continued%s
                """.formatted(moves, FlowSteps.nextStepsOf("(SELECT * FROM updated WHERE continue_flow)"), moreCtes,
                moreColumns);
    }

    /**
     * A chunk that could not reach the mail server at all: nothing went out, so it goes
     * back.
     */
    @Transition(from = { PROCESSING, SENDING }, to = BUFFERED)
    static final String RETURN_TO_BUFFER = """
            UPDATE evaluation SET state = 'BUFFERED', claimed_by = NULL, updated_at = now()
            WHERE id = ANY(:ids::bigint[]) AND state IN ('PROCESSING', 'SENDING') AND claimed_by = :stepExecutionId
            RETURNING id
            """;

    /**
     * Claims whose owner can no longer act on them: its lease ended (released, or run
     * out) more than the given grace ago. The step's status in the JobRepository is not
     * enough: another node's sweep can mark it FAILED while its thread still sends. A
     * claim with no lease at all predates leases, and is taken once its step is no longer
     * marked running.
     */
    static final String DEAD_CLAIM = """
            NOT EXISTS (SELECT 1 FROM claim_lease l WHERE l.step_execution_id = e.claimed_by
                        AND l.expires_at > now() - %s)
            AND (EXISTS (SELECT 1 FROM claim_lease l WHERE l.step_execution_id = e.claimed_by)
                 OR NOT EXISTS (SELECT 1 FROM batch_step_execution s WHERE s.step_execution_id = e.claimed_by
                                AND s.status IN ('STARTING', 'STARTED', 'STOPPING')))
            """;

    @Transition(from = PROCESSING, to = BUFFERED)
    static final String RELEASE_DEAD_PROCESSING = """
            UPDATE evaluation e SET state = 'BUFFERED', claimed_by = NULL, updated_at = now()
            WHERE e.state = 'PROCESSING' AND %s
            RETURNING e.id, e.action_id
            """.formatted(DEAD_CLAIM.formatted("interval '0'"));

    @Transition(from = SENDING, to = IN_DOUBT)
    static final String DEAD_SENDING_TO_IN_DOUBT = """
            UPDATE evaluation e SET state = 'IN_DOUBT', reason = :reason, attempts = e.attempts + 1, updated_at = now()
            WHERE e.state = 'SENDING' AND %s
            RETURNING e.id, e.action_id
            """.formatted(DEAD_CLAIM.formatted("l.send_grace"));

    @Transition(from = SENDING, to = BUFFERED)
    static final String DEAD_SENDING_TO_BUFFER = """
            UPDATE evaluation e SET state = 'BUFFERED', reason = :reason, attempts = e.attempts + 1, claimed_by = NULL,
                                    updated_at = now()
            WHERE e.state = 'SENDING' AND %s
            RETURNING e.id, e.action_id
            """.formatted(DEAD_CLAIM.formatted("l.send_grace"));

    /**
     * BUFFERED rows untouched for too long: their Redis entries may be gone. A page at a
     * time in id order, each page after the last id of the one before: a touched row
     * stays in the index it is found by, and would be read again by every later page.
     */
    @Transition(from = BUFFERED, to = {})
    static final String STALE_BUFFERED_PAGE = """
            WITH stale AS (
                SELECT id FROM evaluation
                WHERE state = 'BUFFERED' AND id > :after
                  AND updated_at < now() - make_interval(secs => :olderThanSeconds)
                ORDER BY id
                LIMIT :limit
                FOR UPDATE SKIP LOCKED
            )
            UPDATE evaluation e SET updated_at = now() FROM stale WHERE e.id = stale.id
            RETURNING e.id, e.action_id
            """;

    private final JdbcClient jdbc;

    private final TransactionTemplate ownTransaction;

    private final String defaultZone;

    EvaluationStore(JdbcClient jdbc, PlatformTransactionManager transactionManager, LocalTimeProperties localTime) {
        this.jdbc = jdbc;
        this.defaultZone = localTime.defaultZoneName();
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * An action with due evaluations.
     *
     * @param sendWindow its send window, or null when it sends at any time
     */
    public record DueAction(long id, String status, SendWindow sendWindow, Route route) {

        /**
         * Whether its evaluations are routed in bulk rather than buffered for a sender.
         */
        public boolean routed() {
            return route != null;
        }

    }

    /**
     * A step that sends nothing, as routing needs it.
     *
     * @param type {@code DELAY}, {@code SPLIT} or {@code RANDOM}
     * @param stepKey its id in the flow, which a random split's buckets hash
     * @param condition a split's condition as stored
     */
    public record Route(String type, String stepKey, String condition) {

        /**
         * The steps that send nothing; email and webhook steps are buffered for a
         * partition.
         */
        static final Set<String> TYPES = Set.of("DELAY", "SPLIT", "RANDOM");

    }

    /**
     * When an action may send, on the customer's clock: on {@code days} (ISO, 1 is
     * Monday), from {@code opens} until {@code closes} (the next day when not after
     * {@code opens}).
     */
    public record SendWindow(List<Integer> days, LocalTime opens, LocalTime closes) {
    }

    /** A page of a windowed action: the ids buffered and how many were deferred. */
    public record WindowedPage(List<Long> buffered, int deferred) {

        public int size() {
            return buffered.size() + deferred;
        }

    }

    public List<DueAction> dueActions(Instant now) {
        return jdbc.sql(DUE_ACTIONS)
            .param("now", utc(now))
            .query((rs,
                    row) -> new DueAction(rs.getLong("id"), rs.getString("status"), sendWindow(rs),
                            Route.TYPES.contains(rs.getString("type")) ? new Route(rs.getString("type"),
                                    rs.getString("step_key"), rs.getString("condition")) : null))
            .list();
    }

    private static SendWindow sendWindow(ResultSet rs) throws SQLException {
        Array days = rs.getArray("send_window_days");
        if (days == null) {
            return null;
        }
        List<Integer> isoDays = Arrays.stream((Object[]) days.getArray())
            .map((day) -> ((Number) day).intValue())
            .toList();
        return new SendWindow(isoDays, rs.getObject("send_window_from", LocalTime.class),
                rs.getObject("send_window_to", LocalTime.class));
    }

    /**
     * Moves one page of a windowed action to BUFFERED, or on to its window's next
     * opening, and commits it.
     */
    public WindowedPage bufferWindowedPage(long actionId, SendWindow window, Instant now, int limit) {
        List<Long> buffered = new ArrayList<>();
        int[] deferred = { 0 };
        ownTransaction.executeWithoutResult((status) -> jdbc.sql(BUFFER_WINDOWED_PAGE)
            .param("actionId", actionId)
            .param("now", utc(now))
            .param("limit", limit)
            .param("defaultZone", defaultZone)
            .param("days", window.days().toArray(Integer[]::new))
            .param("opens", window.opens())
            .param("closes", window.closes())
            .query((ResultSet rs) -> {
                if (rs.getBoolean("buffered")) {
                    buffered.add(rs.getLong("id"));
                }
                else {
                    deferred[0]++;
                }
            }));
        return new WindowedPage(buffered, deferred[0]);
    }

    /**
     * Moves one page to BUFFERED and commits it, so its ids may be pushed to Redis right
     * after.
     */
    public List<Long> bufferPage(long actionId, Instant now, int limit) {
        return ownTransaction.execute((status) -> jdbc.sql(BUFFER_PAGE)
            .param("actionId", actionId)
            .param("now", utc(now))
            .param("limit", limit)
            .query(Long.class)
            .list());
    }

    /** Skips one page of a draft action's due evaluations, continuing their flows. */
    public List<Long> skipDraftPage(long actionId, Instant now, int limit, String reason) {
        return ownTransaction.execute((status) -> jdbc.sql(SKIP_DRAFT_PAGE)
            .param("actionId", actionId)
            .param("now", utc(now))
            .param("limit", limit)
            .param("reason", reason)
            .param("defaultZone", defaultZone)
            .query(Long.class)
            .list());
    }

    /**
     * Claims popped ids for a step execution and commits: recovery can always find its
     * claims.
     */
    public List<ClaimedEvaluation> claim(long actionId, long stepExecutionId, List<Long> ids) {
        return ownTransaction.execute((status) -> jdbc.sql(CLAIM)
            .param("ids", ids.toArray(Long[]::new))
            .param("actionId", actionId)
            .param("stepExecutionId", stepExecutionId)
            .query((rs, row) -> new ClaimedEvaluation(rs.getLong("id"), rs.getLong("customer_id"),
                    (Long) rs.getObject("event_id"), instant(rs, "flow_started_at"), rs.getInt("attempts")))
            .list());
    }

    /**
     * Commits SENDING before any message leaves: a crash from here on leaves a visible
     * trace.
     */
    public List<Long> returnToBuffer(Collection<Long> ids, long stepExecutionId) {
        return ownTransaction.execute((status) -> jdbc.sql(RETURN_TO_BUFFER)
            .param("ids", ids.toArray(Long[]::new))
            .param("stepExecutionId", stepExecutionId)
            .query(Long.class)
            .list());
    }

    /**
     * While a chunk is sending, in one statement of its own (committed at once): records
     * the outcomes of the messages a connection has just settled and marks the next
     * window SENDING; returns the ids marked. So a crash leaves SENDING only what was on
     * the wire.
     */
    public Set<Long> recordAndMarkSending(long stepExecutionId, List<Outcome> settled, Collection<Long> next,
            Instant now) {
        // Its own transaction even when the caller is in one (a webhook step's chunk):
        // the
        // mark must be durable before anything is sent.
        Long[] marked = ownTransaction
            .execute((status) -> outcomeParameters(jdbc.sql(RECORD_AND_MARK_SENDING), settled, now)
                .param("next", next.toArray(Long[]::new))
                .param("stepExecutionId", stepExecutionId)
                .query((rs, row) -> {
                    Array ids = rs.getArray("marked");
                    return (ids != null) ? (Long[]) ids.getArray() : new Long[0];
                })
                .single());
        return new HashSet<>(Arrays.asList(marked));
    }

    /** Written in the chunk's transaction, with the step execution's counts. */
    public void recordOutcomes(long stepExecutionId, List<Outcome> outcomes, Instant now) {
        if (outcomes.isEmpty()) {
            return;
        }
        outcomeParameters(jdbc.sql(RECORD_OUTCOMES), outcomes, now).param("stepExecutionId", stepExecutionId)
            .query((rs, row) -> rs.getLong("updated"))
            .single();
    }

    /** The outcomes as the arrays the recording statements unnest. */
    private JdbcClient.StatementSpec outcomeParameters(JdbcClient.StatementSpec statement, List<Outcome> outcomes,
            Instant now) {
        int size = outcomes.size();
        Long[] ids = new Long[size];
        String[] states = new String[size];
        String[] reasons = new String[size];
        Boolean[] attempted = new Boolean[size];
        String[] dueAt = new String[size];
        Boolean[] continueFlow = new Boolean[size];
        List<Outcome> sent = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Outcome outcome = outcomes.get(i);
            ids[i] = outcome.evaluationId();
            states[i] = outcome.state().name();
            reasons[i] = outcome.reason();
            attempted[i] = outcome.attempted();
            dueAt[i] = (outcome.dueAt() != null) ? outcome.dueAt().toString() : null;
            continueFlow[i] = outcome.continueFlow();
            if (outcome.delivery() != null) {
                sent.add(outcome);
            }
        }
        return statement.param("ids", ids)
            .param("states", states)
            .param("reasons", reasons)
            .param("attempted", attempted)
            .param("dueAt", dueAt)
            .param("continueFlow", continueFlow)
            .param("sentIds", sent.stream().map(Outcome::evaluationId).toArray(Long[]::new))
            .param("messageIds", sent.stream().map((o) -> o.delivery().messageId()).toArray(String[]::new))
            .param("recipients", sent.stream().map((o) -> o.delivery().recipient()).toArray(String[]::new))
            .param("sentAt", sent.stream().map((o) -> o.delivery().sentAt().toString()).toArray(String[]::new))
            .param("replies", sent.stream().map((o) -> o.delivery().reply()).toArray(String[]::new))
            .param("now", utc(now))
            .param("defaultZone", defaultZone);
    }

    /**
     * PROCESSING rows whose owner's lease ended back to BUFFERED; returns their ids by
     * action, to push again. No grace: an owner without its lease can no longer mark them
     * SENDING.
     */
    public Map<Long, List<Long>> releaseDeadProcessing() {
        return ownTransaction.execute((status) -> byAction(jdbc.sql(RELEASE_DEAD_PROCESSING)));
    }

    /**
     * SENDING rows whose owner's lease ended more than its send grace ago (the owner's,
     * stored with the lease): IN_DOUBT, or BUFFERED to resend under at-least-once. The
     * grace covers a message whose end of data went out just before the lease ended: by
     * then the server has answered it or the socket has timed out.
     */
    public Map<Long, List<Long>> settleDeadSending(boolean resend, String reason) {
        return ownTransaction.execute((status) -> byAction(
                jdbc.sql(resend ? DEAD_SENDING_TO_BUFFER : DEAD_SENDING_TO_IN_DOUBT).param("reason", reason)));
    }

    /**
     * Whether the step execution's lease is live in the database (asked only when a claim
     * came back short).
     */
    public boolean leaseHeld(long stepExecutionId) {
        return jdbc.sql(IS_LEASE_HELD).param("stepExecutionId", stepExecutionId).query(Boolean.class).single();
    }

    /**
     * One page of stale BUFFERED ids above {@code after}, touched, by action; the next
     * page starts after the largest id returned.
     */
    public Map<Long, List<Long>> staleBufferedPage(long olderThanSeconds, long after, int limit) {
        return ownTransaction.execute((status) -> byAction(jdbc.sql(STALE_BUFFERED_PAGE)
            .param("olderThanSeconds", olderThanSeconds)
            .param("after", after)
            .param("limit", limit)));
    }

    private static Map<Long, List<Long>> byAction(JdbcClient.StatementSpec statement) {
        Map<Long, List<Long>> ids = new LinkedHashMap<>();
        statement.query((ResultSet rs) -> {
            ids.computeIfAbsent(rs.getLong("action_id"), (action) -> new ArrayList<>()).add(rs.getLong("id"));
        });
        return ids;
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return (timestamp != null) ? timestamp.toInstant() : null;
    }

}
