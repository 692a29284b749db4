package io.flowbatch.admin;

import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.system.ConflictException;
import io.flowbatch.system.NotFoundException;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The executions pages: the list by status, one execution with its partitions and the
 * operations legal for it (restart, stop, abandon), and a launch now.
 */
@Controller
@RequestMapping("/admin")
class ExecutionPagesController {

    static final int PAGE_SIZE = 25;

    private final ExecutionQueries executions;

    private final ExecutionOperations operations;

    private final FlowExecutionLauncher launcher;

    ExecutionPagesController(ExecutionQueries executions, ExecutionOperations operations,
            FlowExecutionLauncher launcher) {
        this.executions = executions;
        this.operations = operations;
        this.launcher = launcher;
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
        model.addAttribute("executions",
                executions.page(FlowExecutionLauncher.JOB_NAME, statusName, current, PAGE_SIZE));
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
        model.addAttribute("progress", ExecutionProgress.of(execution));
        model.addAttribute("canRestart", operations.canRestart(execution));
        model.addAttribute("canStop", operations.canStop(execution));
        model.addAttribute("canAbandon", operations.canAbandon(execution));
        return "admin/execution";
    }

    @PostMapping("/executions/{id}/{operation}")
    String operate(@PathVariable long id, @PathVariable String operation, RedirectAttributes redirect)
            throws Exception {
        try {
            switch (operation) {
                case "restart" -> {
                    long restarted = operations.restart(id);
                    redirect.addFlashAttribute("message",
                            "Execution " + id + " restarted as execution " + restarted + ".");
                    return "redirect:/admin/executions/" + restarted;
                }
                case "stop" -> {
                    operations.stop(id);
                    redirect.addFlashAttribute("message",
                            "Stop requested: execution " + id + " stops at the end of the chunk in flight.");
                }
                case "abandon" -> {
                    operations.abandon(id);
                    redirect.addFlashAttribute("message",
                            "Execution " + id + " abandoned; it can no longer be restarted.");
                }
                default -> throw new NotFoundException("No operation " + operation);
            }
        }
        catch (ConflictException ex) {
            redirect.addFlashAttribute("error", ex.getMessage());
        }
        return "redirect:/admin/executions/" + id;
    }

}
