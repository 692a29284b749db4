package io.flowbatch.admin;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import io.flowbatch.execution.FlowExecutionLauncher;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The daily purge: one JobInstance a minute is 1,440 a day, and every evaluation stays a row
 * after it ran. Both are deleted past the retention, in bounded batches. Running executions,
 * evaluations still in flight and IN_DOUBT ones are never touched.
 */
@Service
public class Housekeeping {

    static final String OLD_INSTANCES = """
            SELECT i.job_instance_id FROM batch_job_instance i
            WHERE i.job_name = :jobName
              AND NOT EXISTS (SELECT 1 FROM batch_job_execution e WHERE e.job_instance_id = i.job_instance_id
                              AND (e.create_time >= :cutoff OR e.status IN ('STARTING', 'STARTED', 'STOPPING')))
            ORDER BY i.job_instance_id
            LIMIT :limit
            """;

    /** What may be purged: finished, and untouched for the retention. */
    static final String PURGEABLE = "state IN ('SENT', 'SKIPPED', 'FAILED', 'CANCELLED') AND updated_at < :cutoff";

    /**
     * Finished evaluations past the retention, with their delivery log rows: one batch per
     * statement, walking the primary key from where the last batch stopped, so each batch reads
     * only its own slice instead of rescanning what earlier batches passed over.
     *
     * <p>The DELETE states the condition again on the row it deletes: a row the slice saw FAILED
     * may be requeued (WAITING, due now) by an operator meanwhile, and after waiting for that
     * row's lock PostgreSQL re-checks only the DELETE's own conditions on the new row version, not
     * how the slice chose it. Delivery log rows go only with the evaluations actually deleted.
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

    private static final Log logger = LogFactory.getLog(Housekeeping.class);

    private final JobRepository jobRepository;

    private final JdbcClient jdbc;

    private final HousekeepingProperties properties;

    private final Clock clock;

    Housekeeping(JobRepository jobRepository, JdbcClient jdbc, HousekeepingProperties properties, Clock clock) {
        this.jobRepository = jobRepository;
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    /** What one purge removed. */
    public record Purged(long jobInstances, long evaluations) {
    }

    public Purged purge() {
        Instant cutoff = clock.instant().minus(properties.retention());
        long instances = 0;
        List<Long> ids;
        do {
            ids = jdbc.sql(OLD_INSTANCES)
                .param("jobName", FlowExecutionLauncher.JOB_NAME)
                // Spring Batch writes its times in the JVM's zone.
                .param("cutoff", LocalDateTime.ofInstant(cutoff, ZoneId.systemDefault()))
                .param("limit", properties.purgeBatch())
                .query(Long.class)
                .list();
            for (long id : ids) {
                JobInstance instance = jobRepository.getJobInstance(id);
                if (instance != null) {
                    jobRepository.deleteJobInstance(instance);
                    instances++;
                }
            }
        }
        while (ids.size() == properties.purgeBatch());
        long evaluations = 0;
        long after = 0;
        while (true) {
            long[] batch = jdbc.sql(PURGE_EVALUATIONS)
                .param("after", after)
                .param("cutoff", OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC))
                .param("limit", properties.purgeBatch())
                .query((rs, row) -> new long[] { rs.getLong("last_id"), rs.getLong("deleted") })
                .single();
            if (batch[0] == 0) {
                break;
            }
            after = batch[0];
            evaluations += batch[1];
        }
        logger.info("Purged " + instances + " job instances and " + evaluations + " finished evaluations older than "
                + properties.retention());
        return new Purged(instances, evaluations);
    }

}
