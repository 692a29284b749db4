package io.flowbatch.evaluation;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Deletes finished evaluations, with their delivery log rows, once nobody needs them:
 * never one in flight, never an IN_DOUBT one, never one an operator may still requeue
 * within the retention.
 */
@Repository
public class EvaluationPurge {

    /** What may be purged: finished, and untouched for the retention. */
    static final String PURGEABLE = "state IN ('SENT', 'BOUNCED', 'COMPLAINED', 'SKIPPED', 'DONE', 'FAILED', 'CANCELLED') AND updated_at < :cutoff";

    /**
     * Finished evaluations past the retention, with their delivery log rows: one batch
     * per statement, walking the primary key from where the last batch stopped, so each
     * batch reads only its own slice instead of rescanning what earlier batches passed
     * over.
     *
     * <p>
     * The DELETE states the condition again on the row it deletes: a row the slice saw
     * FAILED may be requeued (WAITING, due now) by an operator meanwhile, and after
     * waiting for that row's lock PostgreSQL re-checks only the DELETE's own conditions
     * on the new row version, not how the slice chose it. Delivery log rows go only with
     * the evaluations actually deleted.
     */
    static final String PURGE_EVALUATIONS = """
            WITH slice AS (
                SELECT id, state, updated_at FROM evaluation WHERE id > :after ORDER BY id LIMIT :limit
            ), old AS (
                SELECT id FROM slice WHERE %1$s
            ), deleted AS (
                DELETE FROM evaluation e USING old WHERE e.id = old.id AND %1$s RETURNING e.id
            ), logs AS (
                DELETE FROM delivery_log d USING deleted WHERE d.evaluation_id = deleted.id
            )
            SELECT (SELECT max(id) FROM slice) AS last_id, (SELECT count(*) FROM deleted) AS deleted
            """.formatted(PURGEABLE);

    private final JdbcClient jdbc;

    EvaluationPurge(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Deletes the finished evaluations untouched since {@code cutoff}, a batch per
     * statement; returns how many.
     */
    public long finishedBefore(Instant cutoff, int batchSize) {
        long evaluations = 0;
        long after = 0;
        while (true) {
            long[] batch = jdbc.sql(PURGE_EVALUATIONS)
                .param("after", after)
                .param("cutoff", OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC))
                .param("limit", batchSize)
                .query((rs, row) -> new long[] { rs.getLong("last_id"), rs.getLong("deleted") })
                .single();
            if (batch[0] == 0) {
                break;
            }
            after = batch[0];
            evaluations += batch[1];
        }
        return evaluations;
    }

}
