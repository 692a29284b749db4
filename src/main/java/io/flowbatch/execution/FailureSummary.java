package io.flowbatch.execution;

import java.util.ArrayList;
import java.util.List;

import io.flowbatch.system.Causes;
import io.flowbatch.system.ExitDescriptions;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * Puts the root cause of each failed partition at the head of a failed run's exit
 * description: "executeAction:action-3: The mail server could not be reached ..." reads
 * better for an operator than the partition handler's "returned an unsuccessful step" and
 * its stack trace.
 */
class FailureSummary implements JobExecutionListener {

    @Override
    public void afterJob(JobExecution execution) {
        if (execution.getStatus() != BatchStatus.FAILED) {
            return;
        }
        List<String> causes = new ArrayList<>();
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStatus() != BatchStatus.FAILED || step.getStepName().equals("execute")) {
                continue;
            }
            for (Throwable failure : step.getFailureExceptions()) {
                causes.add(step.getStepName() + ": " + rootMessage(failure));
            }
            if (step.getFailureExceptions().isEmpty()) {
                causes.add(step.getStepName() + ": "
                        + ExitDescriptions.rootCause(step.getExitStatus().getExitDescription()));
            }
        }
        if (!causes.isEmpty()) {
            ExitStatus exit = execution.getExitStatus();
            execution.setExitStatus(
                    new ExitStatus(exit.getExitCode(), String.join("\n", causes) + "\n\n" + exit.getExitDescription()));
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = Causes.root(failure);
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

}
