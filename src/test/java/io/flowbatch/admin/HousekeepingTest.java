package io.flowbatch.admin;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import io.flowbatch.delivery.SendTally;
import io.flowbatch.evaluation.EvaluationPurge;
import io.flowbatch.schedule.ScheduleRegistrar;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.MutableClock;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The daily purge removes what is past the retention, and only that. */
@FlowbatchTest
class HousekeepingTest {

    @Autowired
    Housekeeping housekeeping;

    @Autowired
    Fixtures fixtures;

    @Autowired
    TestData data;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    Scheduler scheduler;

    @Autowired
    DataSource dataSource;

    @Autowired
    SendTally sendTally;

    @Autowired
    HousekeepingProperties properties;

    @Autowired
    EvaluationPurge evaluationPurge;

    @Test
    void purgesOldJobInstancesAndFinishedEvaluationsButNeverInDoubtOrUnfinishedOnes() throws Exception {
        fixtures.reset();
        fixtures.checkoutFlow("Checkout");
        fixtures.dueCheckouts(0, 12);
        JobExecution old = fixtures.runMinute();
        JobExecution recent = fixtures.runMinute();
        data.jdbc()
            .sql("UPDATE batch_job_execution SET create_time = now() - interval '30 days' WHERE job_execution_id = :id")
            .param("id", old.getId())
            .update();
        List<Long> ids = data.jdbc().sql("SELECT id FROM evaluation ORDER BY id").query(Long.class).list();
        data.jdbc().sql("UPDATE evaluation SET state = 'IN_DOUBT' WHERE id = :id").param("id", ids.get(0)).update();
        data.jdbc().sql("UPDATE evaluation SET state = 'WAITING' WHERE id = :id").param("id", ids.get(1)).update();
        data.jdbc()
            .sql("UPDATE evaluation SET updated_at = now() - interval '30 days' WHERE id <> :id")
            .param("id", ids.get(11))
            .update();

        Housekeeping.Purged purged = housekeeping.purge();

        assertThat(purged.evaluations()).isEqualTo(9);
        assertThat(data.count("evaluation")).isEqualTo(3);
        assertThat(data.jdbc().sql("SELECT state FROM evaluation ORDER BY id").query(String.class).list())
            .containsExactly("IN_DOUBT", "WAITING", "SENT");
        assertThat(data.count("delivery_log")).as("logs of the kept evaluations stay").isEqualTo(3);
        assertThat(purged.jobInstances()).isGreaterThanOrEqualTo(1);
        assertThat(data.jdbc()
            .sql("SELECT count(*) FROM batch_job_execution WHERE job_execution_id = :id")
            .param("id", old.getId())
            .query(Long.class)
            .single()).isZero();
        assertThat(jobRepository.getJobExecution(recent.getId())).isNotNull();
    }

    /**
     * D4: the purge chose a FAILED row past the retention while an operator's requeue (on
     * another connection) held it; once the requeue committed, the purge deleted the now
     * WAITING row: lost.
     */
    @Test
    void d4ThePurgeDoesNotDeleteARowRequeuedWhileItWaitedForIt() throws Exception {
        fixtures.reset();
        fixtures.checkoutFlow("Checkout");
        fixtures.customers(0, 1);
        fixtures.events(Fixtures.TRIGGER, 0, 1, Instant.now());
        long id = data.jdbc().sql("SELECT id FROM evaluation").query(Long.class).single();
        data.jdbc().sql("UPDATE evaluation SET state = 'FAILED' WHERE id = :id").param("id", id).update();
        // The retention passes on the clock the purge reads, not by back-dating the row.
        MutableClock clock = new MutableClock(Instant.now());
        clock.advance(properties.retention().plusDays(1));
        Housekeeping pastRetention = new Housekeeping(jobRepository, data.jdbc(), properties, evaluationPurge,
                sendTally, clock);

        try (Connection operator = dataSource.getConnection()) {
            operator.setAutoCommit(false);
            try (PreparedStatement requeue = operator.prepareStatement(
                    "UPDATE evaluation SET state = 'WAITING', due_at = now(), updated_at = now() WHERE id = ?")) {
                requeue.setLong(1, id);
                assertThat(requeue.executeUpdate()).isEqualTo(1);
            }
            CompletableFuture<Housekeeping.Purged> purge = CompletableFuture.supplyAsync(pastRetention::purge);
            await().atMost(Duration.ofSeconds(30)).until(() -> purge.isDone() || data.jdbc().sql("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM evaluation%'
                    """).query(Long.class).single() > 0);
            operator.commit();
            purge.get(30, TimeUnit.SECONDS);
        }

        assertThat(data.jdbc()
            .sql("SELECT state FROM evaluation WHERE id = :id")
            .param("id", id)
            .query(String.class)
            .optional()).as("the requeued evaluation").contains("WAITING");
    }

    @Test
    void thePurgeIsScheduledDailyInQuartz() throws Exception {
        CronTrigger trigger = (CronTrigger) scheduler.getTrigger(HousekeepingConfiguration.PURGE_TRIGGER);

        assertThat(trigger.getCronExpression()).isEqualTo("0 30 3 * * ?");
        assertThat(scheduler.getJobDetail(trigger.getJobKey()).getJobClass()).isEqualTo(HousekeepingQuartzJob.class);
        assertThat(scheduler.getTrigger(ScheduleRegistrar.TRIGGER)).isNotNull();
    }

}
