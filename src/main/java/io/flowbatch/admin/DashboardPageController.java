package io.flowbatch.admin;

import java.util.ArrayList;
import java.util.List;

import io.flowbatch.deliverability.Reputation;
import io.flowbatch.cluster.NodeRegistry;
import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.system.ConflictException;
import io.flowbatch.system.NotFoundException;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The dashboard: the schedule and its switch, runs in progress and recent ones, every
 * action's evaluations by state, the last hour's sends, the nodes and the dependencies,
 * the relays with their bounce and complaint rates, and the actions the reputation guard
 * paused. Every change is a POST with a CSRF token, answered by a redirect and a message.
 */
@Controller
@RequestMapping("/admin")
class DashboardPageController {

    private final DashboardQueries dashboard;

    private final ExecutionQueries executions;

    private final ExecutionOperations operations;

    private final ScheduleOperations schedule;

    private final JobRepository jobRepository;

    private final Outbox outbox;

    private final NodeRegistry nodes;

    private final DependencyHealth dependencies;

    private final RelayOverview relays;

    private final Reputation reputation;

    DashboardPageController(DashboardQueries dashboard, ExecutionQueries executions, ExecutionOperations operations,
            ScheduleOperations schedule, JobRepository jobRepository, Outbox outbox, NodeRegistry nodes,
            DependencyHealth dependencies, RelayOverview relays, Reputation reputation) {
        this.relays = relays;
        this.reputation = reputation;
        this.dashboard = dashboard;
        this.executions = executions;
        this.operations = operations;
        this.schedule = schedule;
        this.jobRepository = jobRepository;
        this.outbox = outbox;
        this.nodes = nodes;
        this.dependencies = dependencies;
    }

    @GetMapping({ "", "/" })
    String dashboard(Model model) throws Exception {
        model.addAttribute("schedule", schedule.state());
        List<ExecutionProgress> running = new ArrayList<>();
        for (JobExecution execution : jobRepository.findRunningJobExecutions(FlowExecutionLauncher.JOB_NAME)) {
            running.add(ExecutionProgress.of(operations.find(execution.getId())));
        }
        model.addAttribute("running", running);
        model.addAttribute("recent", executions.page(FlowExecutionLauncher.JOB_NAME, null, 0, 8));
        List<DashboardQueries.ActionOverview> actions = dashboard.actions();
        model.addAttribute("actions", actions);
        model.addAttribute("attention",
                actions.stream().mapToLong(DashboardQueries.ActionOverview::needsAttention).sum());
        model.addAttribute("chart", ThroughputChart.of(dashboard.sentLastHour()));
        model.addAttribute("states", EvaluationState.values());
        model.addAttribute("outboxAvailable", outbox.available());
        model.addAttribute("nodes", nodes.nodes());
        model.addAttribute("relays", relays.relays());
        model.addAttribute("guardPaused", reputation.pausedByTheGuard());
        model.addAttribute("reputations", reputation.ofActions());
        model.addAttribute("limits", reputation.limits());
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
            redirect.addFlashAttribute("message",
                    "Schedule " + ("pause".equals(operation) ? "paused" : "resumed") + ".");
        }
        catch (ConflictException ex) {
            redirect.addFlashAttribute("error", ex.getMessage());
        }
        return "redirect:/admin";
    }

}
