package io.flowbatch.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.system.NotFoundException;
import io.flowbatch.system.Paging;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.configuration.JobRegistry;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Job inspection and control (README, The admin API), on Spring Batch's JobRepository and
 * JobOperator. An operation that is not legal in the execution's state is a 409 that says
 * why.
 */
@RestController
class JobAdminController {

    static final int MAX_PAGE_SIZE = 200;

    private final JobRepository jobRepository;

    private final JobRegistry jobRegistry;

    private final ExecutionOperations operations;

    private final ExecutionQueries executions;

    JobAdminController(JobRepository jobRepository, JobRegistry jobRegistry, ExecutionOperations operations,
            ExecutionQueries executions) {
        this.jobRepository = jobRepository;
        this.jobRegistry = jobRegistry;
        this.operations = operations;
        this.executions = executions;
    }

    @GetMapping("/api/admin/jobs")
    List<Map<String, Object>> jobs() throws Exception {
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (String name : jobRegistry.getJobNames()) {
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("name", name);
            job.put("instanceCount", jobRepository.getJobInstanceCount(name));
            List<ExecutionQueries.ExecutionSummary> last = executions.page(name, null, 0, 1);
            job.put("lastExecution", last.isEmpty() ? null : last.get(0));
            jobs.add(job);
        }
        return jobs;
    }

    @GetMapping("/api/admin/jobs/{jobName}/executions")
    Map<String, Object> executions(@PathVariable String jobName, @RequestParam(required = false) BatchStatus status,
            @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size) {
        if (!jobRegistry.getJobNames().contains(jobName)) {
            throw new NotFoundException("No job named " + jobName);
        }
        Paging paging = Paging.of(page, size, MAX_PAGE_SIZE);
        String statusName = (status != null) ? status.name() : null;
        return Map.of("page", page, "size", size, "total", executions.count(jobName, statusName), "items",
                executions.page(jobName, statusName, paging.page(), paging.size()));
    }

    @GetMapping("/api/admin/executions/{id}")
    ExecutionView execution(@PathVariable long id) {
        return operations.view(operations.find(id));
    }

    /** Runs again what did not complete, as a new execution of the same JobInstance. */
    @PostMapping("/api/admin/executions/{id}/restart")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, Long> restart(@PathVariable long id) throws Exception {
        return Map.of("executionId", operations.restart(id));
    }

    @PostMapping("/api/admin/executions/{id}/stop")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, Object> stop(@PathVariable long id) throws Exception {
        return Map.of("executionId", id, "status", operations.stop(id).name());
    }

    @PostMapping("/api/admin/executions/{id}/abandon")
    Map<String, Object> abandon(@PathVariable long id) throws Exception {
        return Map.of("executionId", id, "status", operations.abandon(id).name());
    }

}
