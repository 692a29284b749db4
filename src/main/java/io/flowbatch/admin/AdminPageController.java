package io.flowbatch.admin;

import java.util.ArrayList;
import java.util.List;

import io.flowbatch.cluster.NodeRegistry;
import io.flowbatch.execution.EvaluationState;
import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.system.ConflictException;
import io.flowbatch.system.NotFoundException;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The admin pages: dashboard, executions, one execution with its partitions and the operations
 * legal for it, one action with its evaluations, and the zero-setup run's outbox. Every change
 * is a POST with a CSRF token, answered by a redirect and a message.
 */
@Controller
@RequestMapping("/admin")
class AdminPageController {

    static final int PAGE_SIZE = 25;

    private final DashboardQueries dashboard;

    private final ExecutionQueries executions;

    private final ExecutionOperations operations;

    private final ScheduleOperations schedule;

    private final EvaluationQueries evaluations;

    private final FlowExecutionLauncher launcher;

    private final JobRepository jobRepository;

    private final Outbox outbox;

    private final NodeRegistry nodes;

    private final DependencyHealth dependencies;

    private final java.time.Clock clock;

    AdminPageController(DashboardQueries dashboard, ExecutionQueries executions, ExecutionOperations operations,
            ScheduleOperations schedule, EvaluationQueries evaluations, FlowExecutionLauncher launcher,
            JobRepository jobRepository, Outbox outbox, NodeRegistry nodes, DependencyHealth dependencies,
            java.time.Clock clock) {
        this.dashboard = dashboard;
        this.dependencies = dependencies;
        this.nodes = nodes;
        this.executions = executions;
        this.operations = operations;
        this.schedule = schedule;
        this.evaluations = evaluations;
        this.launcher = launcher;
        this.jobRepository = jobRepository;
        this.outbox = outbox;
        this.clock = clock;
    }

    @GetMapping({ "", "/" })
    String dashboard(Model model) throws Exception {
        model.addAttribute("schedule", schedule.state());
        List<RunningExecution> running = new ArrayList<>();
        for (JobExecution execution : jobRepository.findRunningJobExecutions(FlowExecutionLauncher.JOB_NAME)) {
            running.add(RunningExecution.of(operations.find(execution.getId())));
        }
        model.addAttribute("running", running);
        model.addAttribute("recent", executions.page(FlowExecutionLauncher.JOB_NAME, null, 0, 8));
        List<DashboardQueries.ActionOverview> actions = dashboard.actions();
        model.addAttribute("actions", actions);
        model.addAttribute("attention", actions.stream().mapToLong(DashboardQueries.ActionOverview::needsAttention).sum());
        model.addAttribute("chart", ThroughputChart.of(dashboard.sentLastHour()));
        model.addAttribute("states", EvaluationState.values());
        model.addAttribute("outboxAvailable", outbox.available());
        model.addAttribute("nodes", nodes.nodes());
        model.addAttribute("self", nodes.self().id());
        model.addAttribute("dependencies", dependencies.all());
        return "admin/dashboard";
    }

    @PostMapping("/schedule/{operation}")
    String schedule(@PathVariable String operation, RedirectAttributes redirect) throws Exception {
        try {
            switch (operation) {
                case "pause" -> schedule.pause();
                case "resume" -> schedule.resume();
                default -> throw new NotFoundException("No schedule operation " + operation);
            }
            redirect.addFlashAttribute("message", "Schedule " + ("pause".equals(operation) ? "paused" : "resumed") + ".");
        }
        catch (ConflictException ex) {
            redirect.addFlashAttribute("error", ex.getMessage());
        }
        return "redirect:/admin";
    }

    @PostMapping("/launch")
    String launch(RedirectAttributes redirect) throws Exception {
        long id = launcher.launchNow();
        redirect.addFlashAttribute("message", "Execution " + id + " launched.");
        return "redirect:/admin/executions/" + id;
    }

    @GetMapping("/executions")
    String executions(@RequestParam(required = false) BatchStatus status, @RequestParam(defaultValue = "0") int page,
            Model model) {
        String statusName = (status != null) ? status.name() : null;
        int current = Math.max(page, 0);
        long total = executions.count(FlowExecutionLauncher.JOB_NAME, statusName);
        model.addAttribute("executions", executions.page(FlowExecutionLauncher.JOB_NAME, statusName, current, PAGE_SIZE));
        model.addAttribute("status", statusName);
        model.addAttribute("statuses", BatchStatus.values());
        model.addAttribute("page", current);
        model.addAttribute("pages", Math.max(1, (total + PAGE_SIZE - 1) / PAGE_SIZE));
        model.addAttribute("total", total);
        return "admin/executions";
    }

    @GetMapping("/executions/{id}")
    String execution(@PathVariable long id, Model model) {
        JobExecution execution = operations.find(id);
        model.addAttribute("execution", operations.view(execution));
        model.addAttribute("progress", RunningExecution.of(execution));
        model.addAttribute("canRestart", operations.canRestart(execution));
        model.addAttribute("canStop", operations.canStop(execution));
        model.addAttribute("canAbandon", operations.canAbandon(execution));
        return "admin/execution";
    }

    @PostMapping("/executions/{id}/{operation}")
    String operate(@PathVariable long id, @PathVariable String operation, RedirectAttributes redirect) throws Exception {
        try {
            switch (operation) {
                case "restart" -> {
                    long restarted = operations.restart(id);
                    redirect.addFlashAttribute("message", "Execution " + id + " restarted as execution " + restarted + ".");
                    return "redirect:/admin/executions/" + restarted;
                }
                case "stop" -> {
                    operations.stop(id);
                    redirect.addFlashAttribute("message", "Stop requested: execution " + id
                            + " stops at the end of the chunk in flight.");
                }
                case "abandon" -> {
                    operations.abandon(id);
                    redirect.addFlashAttribute("message", "Execution " + id + " abandoned; it can no longer be restarted.");
                }
                default -> throw new NotFoundException("No operation " + operation);
            }
        }
        catch (ConflictException ex) {
            redirect.addFlashAttribute("error", ex.getMessage());
        }
        return "redirect:/admin/executions/" + id;
    }

    @GetMapping("/actions/{id}")
    String action(@PathVariable long id, @RequestParam(required = false) EvaluationState state,
            @RequestParam(defaultValue = "0") int page, Model model) {
        DashboardQueries.ActionOverview action = dashboard.action(id);
        if (action == null) {
            throw new NotFoundException("No action with id " + id);
        }
        String stateName = (state != null) ? state.name() : null;
        int current = Math.max(page, 0);
        long total = evaluations.count(id, stateName);
        model.addAttribute("action", action);
        model.addAttribute("state", stateName);
        model.addAttribute("states", EvaluationState.values());
        model.addAttribute("evaluations", evaluations.page(id, stateName, current, PAGE_SIZE));
        model.addAttribute("page", current);
        model.addAttribute("pages", Math.max(1, (total + PAGE_SIZE - 1) / PAGE_SIZE));
        model.addAttribute("total", total);
        return "admin/action";
    }

    @PostMapping("/actions/{id}/requeue")
    String requeueAll(@PathVariable long id, @RequestParam EvaluationState state, RedirectAttributes redirect) {
        if (state != EvaluationState.FAILED && state != EvaluationState.IN_DOUBT) {
            redirect.addFlashAttribute("error", "Only FAILED and IN_DOUBT evaluations can be requeued.");
        }
        else {
            EvaluationQueries.Requeued requeued = evaluations.requeue(id, state.name(), clock.instant(),
                    "requeued by an operator");
            redirect.addFlashAttribute("message", requeued.requeued() + " " + state + " evaluation(s) requeued: due now.");
            if (requeued.refused() > 0) {
                redirect.addFlashAttribute("error", requeued.refused() + " left as they were: evaluation "
                        + requeued.refusals().get(0).id() + " and others: " + requeued.refusals().get(0).reason());
            }
        }
        return "redirect:/admin/actions/" + id + "?state=" + state;
    }

    @PostMapping("/evaluations/{evaluationId}/{operation}")
    String evaluation(@PathVariable long evaluationId, @PathVariable String operation, @RequestParam long actionId,
            @RequestParam(required = false) String returnState,
            @RequestParam(defaultValue = "false") boolean confirmDuplicate, RedirectAttributes redirect) {
        if (operation.equals("requeue")) {
            EvaluationQueries.Requeued requeued = evaluations.requeue(List.of(evaluationId), confirmDuplicate,
                    clock.instant(), confirmDuplicate ? "requeued by an operator, who accepted a possible duplicate"
                            : "requeued by an operator");
            if (requeued.requeued() == 1) {
                redirect.addFlashAttribute("message", "Evaluation " + evaluationId + ": requeued, due now.");
            }
            else {
                redirect.addFlashAttribute("error", "Evaluation " + evaluationId + " was not requeued: "
                        + (requeued.refusals().isEmpty() ? "it is not FAILED or IN_DOUBT."
                                : requeued.refusals().get(0).reason()));
            }
            return "redirect:/admin/actions/" + actionId + ((returnState != null) ? "?state=" + returnState : "");
        }
        int changed = switch (operation) {
            case "sent" -> evaluations.resolveInDoubt(List.of(evaluationId), "SENT", "closed as SENT by an operator",
                    clock.instant());
            case "failed" -> evaluations.resolveInDoubt(List.of(evaluationId), "FAILED",
                    "closed as FAILED by an operator", clock.instant());
            default -> throw new NotFoundException("No operation " + operation);
        };
        if (changed == 0) {
            redirect.addFlashAttribute("error", "Evaluation " + evaluationId + " was not in a state that allows this.");
        }
        else {
            redirect.addFlashAttribute("message", "Evaluation " + evaluationId + ": "
                    + (operation.equals("sent") ? "closed as SENT." : "closed as FAILED."));
        }
        return "redirect:/admin/actions/" + actionId + ((returnState != null) ? "?state=" + returnState : "");
    }

    @GetMapping("/outbox")
    String outbox(@RequestParam(defaultValue = "0") int show, Model model) {
        model.addAttribute("available", outbox.available());
        model.addAttribute("messages", outbox.newest());
        model.addAttribute("total", outbox.total());
        model.addAttribute("show", show);
        model.addAttribute("html", outbox.html(show).orElse(null));
        return "admin/outbox";
    }

    /** A run's progress: evaluations its partitions finished against those its buffer step claimed. */
    record RunningExecution(long id, String status, String minute, java.time.LocalDateTime startTime, long claimed,
            long done, int percent) {

        static RunningExecution of(JobExecution execution) {
            long claimed = 0;
            long done = 0;
            for (StepExecution step : execution.getStepExecutions()) {
                if (step.getStepName().equals("buffer")) {
                    claimed += step.getWriteCount();
                }
                else if (step.getStepName().startsWith("executeAction:")) {
                    done += step.getWriteCount() + step.getFilterCount();
                }
            }
            Object fireTime = execution.getJobParameters().getLocalDateTime("fireTime");
            Object launchedAt = execution.getJobParameters().getLocalDateTime("launchedAt");
            String minute = (fireTime != null) ? "minute " + fireTime : (launchedAt != null) ? "manual " + launchedAt : "";
            int percent = (claimed > 0) ? (int) Math.min(100, done * 100 / claimed)
                    : (execution.getStatus() == BatchStatus.COMPLETED ? 100 : 0);
            return new RunningExecution(execution.getId(), execution.getStatus().name(), minute,
                    execution.getStartTime(), claimed, done, percent);
        }

    }

}
