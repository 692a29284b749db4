package io.flowbatch.execution;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * At start, before the scheduler can fire: executions a crash left STARTED are marked FAILED
 * (so they can be restarted), then the evaluations they held are recovered.
 *
 * <p>With one instance, nothing can be running at start. With several sharing the database this
 * must only recover executions of dead instances, which the multi-instance work addresses.
 */
@Component
class StartupRecovery implements SmartInitializingSingleton {

    private static final Log logger = LogFactory.getLog(StartupRecovery.class);

    private final JobRepository jobRepository;

    private final JobOperator jobOperator;

    private final Recovery recovery;

    StartupRecovery(JobRepository jobRepository, JobOperator jobOperator, Recovery recovery) {
        this.jobRepository = jobRepository;
        this.jobOperator = jobOperator;
        this.recovery = recovery;
    }

    @Override
    public void afterSingletonsInstantiated() {
        for (JobExecution execution : jobRepository.findRunningJobExecutions(FlowExecutionLauncher.JOB_NAME)) {
            logger.warn("Execution " + execution.getId() + " was left " + execution.getStatus()
                    + " by a previous process; marking it FAILED so it can be restarted");
            jobOperator.recover(execution);
        }
        recovery.recover();
    }

}
