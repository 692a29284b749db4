package io.flowbatch.admin;

import java.util.Map;

import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.system.NotFoundException;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/admin/jobs/{jobName}/launch}: run now, outside the schedule. */
@RestController
class JobLaunchController {

    private final FlowExecutionLauncher launcher;

    JobLaunchController(FlowExecutionLauncher launcher) {
        this.launcher = launcher;
    }

    @PostMapping("/api/admin/jobs/{jobName}/launch")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, Long> launch(@PathVariable String jobName) throws Exception {
        if (!FlowExecutionLauncher.JOB_NAME.equals(jobName)) {
            throw new NotFoundException("No job named " + jobName + "; the job is " + FlowExecutionLauncher.JOB_NAME);
        }
        return Map.of("executionId", launcher.launchNow());
    }

}
