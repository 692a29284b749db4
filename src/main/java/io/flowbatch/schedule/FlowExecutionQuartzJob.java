package io.flowbatch.schedule;

import java.time.Instant;

import io.flowbatch.execution.FlowExecutionLauncher;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.scheduling.quartz.QuartzJobBean;

/**
 * The Quartz side of the minute: launches {@code flowExecution} for the trigger's
 * scheduled fire time and waits for it, so a long run delays the next minute instead of
 * overlapping it.
 */
@DisallowConcurrentExecution
class FlowExecutionQuartzJob extends QuartzJobBean {

    private static final Log logger = LogFactory.getLog(FlowExecutionQuartzJob.class);

    private final FlowExecutionLauncher launcher;

    FlowExecutionQuartzJob(FlowExecutionLauncher launcher) {
        this.launcher = launcher;
    }

    @Override
    protected void executeInternal(JobExecutionContext context) throws JobExecutionException {
        Instant fireTime = context.getScheduledFireTime().toInstant();
        try {
            JobExecution execution = launcher.runScheduled(fireTime);
            logger.debug("Minute " + fireTime + ": execution " + execution.getId() + " " + execution.getStatus());
        }
        catch (JobInstanceAlreadyCompleteException ex) {
            logger.info("Minute " + fireTime + " already ran to completion");
        }
        catch (Exception ex) {
            throw new JobExecutionException("Minute " + fireTime + " could not be launched", ex, false);
        }
    }

}
