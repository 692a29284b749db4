package io.flowbatch.admin;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.JobExecutionContext;

import org.springframework.scheduling.quartz.QuartzJobBean;

/** The daily purge, on whichever instance Quartz's cluster picks. */
@DisallowConcurrentExecution
class HousekeepingQuartzJob extends QuartzJobBean {

    private final Housekeeping housekeeping;

    HousekeepingQuartzJob(Housekeeping housekeeping) {
        this.housekeeping = housekeeping;
    }

    @Override
    protected void executeInternal(JobExecutionContext context) {
        housekeeping.purge();
    }

}
