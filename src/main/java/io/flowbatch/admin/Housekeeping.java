package io.flowbatch.admin;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;

import io.flowbatch.delivery.SendTally;
import io.flowbatch.evaluation.EvaluationPurge;
import io.flowbatch.execution.FlowExecutionLauncher;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The daily purge: one JobInstance a minute is 1,440 a day, and every evaluation stays a
 * row after it ran. Both are deleted past the retention, in bounded batches, and so are
 * the reputation guard's minutes of sends: an action that sends less than a window's
 * worth within the retention is judged on what it sent within it. Running executions,
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

    private static final Log logger = LogFactory.getLog(Housekeeping.class);

    private final JobRepository jobRepository;

    private final JdbcClient jdbc;

    private final HousekeepingProperties properties;

    private final EvaluationPurge evaluationPurge;

    private final SendTally sendTally;

    private final Clock clock;

    Housekeeping(JobRepository jobRepository, JdbcClient jdbc, HousekeepingProperties properties,
            EvaluationPurge evaluationPurge, SendTally sendTally, Clock clock) {
        this.sendTally = sendTally;
        this.jobRepository = jobRepository;
        this.jdbc = jdbc;
        this.properties = properties;
        this.evaluationPurge = evaluationPurge;
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
        long evaluations = evaluationPurge.finishedBefore(cutoff, properties.purgeBatch());
        int minutes = sendTally.deleteBefore(cutoff);
        logger.info("Purged " + instances + " job instances, " + evaluations + " finished evaluations and " + minutes
                + " minutes of send tallies older than " + properties.retention());
        return new Purged(instances, evaluations);
    }

}
