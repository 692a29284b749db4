package io.flowbatch.evaluation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Evaluations by step, state and detail, read from the counters the statements that move
 * them keep (migration V20): a read costs the number of steps, not of evaluations. The
 * detail is what {@code evaluation_count_detail} makes of a row: {@code deferred} for
 * WAITING rows a control holds back, the cause of a skip, the branch of a routed row,
 * empty otherwise.
 */
@Repository
public class EvaluationCounts {

    /**
     * Folded counts plus the changes appended since the last fold, in one statement, so a
     * read never sees a change twice or not at all. {@code %s} narrows both to some
     * steps.
     */
    static final String COUNTED = """
            SELECT action_id, state, detail, sum(n) AS n
            FROM (SELECT action_id, state, detail, n FROM evaluation_count %1$s
                  UNION ALL
                  SELECT action_id, state, detail, n FROM evaluation_count_change %1$s) counted
            GROUP BY 1, 2, 3
            HAVING sum(n) <> 0
            """;

    static final String ALL = COUNTED.formatted("");

    static final String OF_STEPS = COUNTED.formatted("WHERE action_id = ANY(:ids::bigint[])");

    static final String IN_STATE = "SELECT coalesce(sum(n), 0) FROM (" + COUNTED.formatted("WHERE state = :state")
            + ") of_state";

    /**
     * The earliest deferred evaluation of each step, one probe of the partial index
     * {@code evaluation_deferred_due_idx} per step.
     */
    static final String NEXT_DEFERRED_DUE = """
            SELECT s.id, (SELECT min(e.due_at) FROM evaluation e
                          WHERE e.action_id = s.id AND e.state = 'WAITING' AND e.reason LIKE 'deferred:%') AS due
            FROM unnest(:ids::bigint[]) AS s(id)
            """;

    /**
     * One fold at a time across the cluster: two would only queue on the same counter
     * rows.
     */
    static final String FOLD_LOCK = "SELECT pg_try_advisory_xact_lock(" + 0x666c6f77636f756eL + ")";

    /** The appended changes, summed into the counters and removed, in one statement. */
    static final String FOLD = """
            WITH moved AS (DELETE FROM evaluation_count_change RETURNING action_id, state, detail, n)
            INSERT INTO evaluation_count AS c (action_id, state, detail, n)
            SELECT action_id, state, detail, sum(n) FROM moved GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (action_id, state, detail) DO UPDATE SET n = c.n + excluded.n
            """;

    private final JdbcClient jdbc;

    private final TransactionTemplate ownTransaction;

    EvaluationCounts(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        // The fold commits on its own, whatever transaction its caller runs in: it holds
        // counter rows only for as long as it takes.
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** Every step's counts. */
    public List<Count> all() {
        return jdbc.sql(ALL).query(Count::of).list();
    }

    /** The counts of these steps. */
    public List<Count> ofSteps(Collection<Long> actionIds) {
        return jdbc.sql(OF_STEPS).param("ids", actionIds.toArray(Long[]::new)).query(Count::of).list();
    }

    /** Evaluations in one state, all steps. */
    public long inState(EvaluationState state) {
        return jdbc.sql(IN_STATE).param("state", state.name()).query(Long.class).single();
    }

    /**
     * When the first deferred evaluation of each of these steps is due; absent if none.
     */
    public Map<Long, Instant> nextDeferredDue(Collection<Long> actionIds) {
        Map<Long, Instant> due = new HashMap<>();
        if (actionIds.isEmpty()) {
            return due;
        }
        jdbc.sql(NEXT_DEFERRED_DUE).param("ids", actionIds.toArray(Long[]::new)).query((ResultSet rs) -> {
            Timestamp next = rs.getTimestamp("due");
            if (next != null) {
                due.put(rs.getLong("id"), next.toInstant());
            }
        });
        return due;
    }

    /**
     * Folds the changes appended since the last fold into the counters, unless another
     * node is folding; returns whether this one did.
     */
    public boolean fold() {
        return Boolean.TRUE.equals(ownTransaction.execute((status) -> {
            if (!jdbc.sql(FOLD_LOCK).query(Boolean.class).single()) {
                return false;
            }
            jdbc.sql(FOLD).update();
            return true;
        }));
    }

    /**
     * Evaluations of one step in one state with one detail ({@code deferred}, a skip's
     * cause, a routed row's branch, or empty).
     */
    public record Count(long actionId, String state, String detail, long n) {

        static Count of(ResultSet rs, int row) throws SQLException {
            return new Count(rs.getLong("action_id"), rs.getString("state"), rs.getString("detail"), rs.getLong("n"));
        }

        public boolean deferred() {
            return "deferred".equals(detail);
        }

    }

}
