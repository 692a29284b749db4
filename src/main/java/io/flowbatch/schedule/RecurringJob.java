package io.flowbatch.schedule;

import org.quartz.JobDetail;
import org.quartz.TriggerKey;

/**
 * A Quartz job that another feature wants run on a cron, registered in the clustered JDBC
 * store at start like the minute job (so it runs once per cluster). Declare one as a
 * bean.
 */
public record RecurringJob(JobDetail job, TriggerKey trigger, String cron, String timeZone) {
}
