package io.flowbatch.admin;

import java.time.Clock;
import java.util.List;

import io.flowbatch.deliverability.Reputation;
import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.evaluation.OperatorMoves;
import io.flowbatch.flow.PreviewRequest;
import io.flowbatch.flow.StepPreviews;
import io.flowbatch.system.ConflictException;
import io.flowbatch.system.InvalidRequestException;
import io.flowbatch.system.NotFoundException;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * One action's page: its evaluations by state, each with its reason, the operator's moves
 * on them (requeue, close an IN_DOUBT one as SENT or FAILED), and a preview of the step
 * for one customer, in a sandboxed frame.
 */
@Controller
@RequestMapping("/admin")
class ActionPageController {

    static final int PAGE_SIZE = 25;

    private final DashboardQueries dashboard;

    private final EvaluationQueries evaluations;

    private final OperatorMoves moves;

    private final InDoubtClosures closures;

    private final Reputation reputation;

    private final Clock clock;

    private final StepPreviews previews;

    ActionPageController(DashboardQueries dashboard, EvaluationQueries evaluations, OperatorMoves moves,
            InDoubtClosures closures, Reputation reputation, Clock clock, StepPreviews previews) {
        this.previews = previews;
        this.reputation = reputation;
        this.dashboard = dashboard;
        this.evaluations = evaluations;
        this.moves = moves;
        this.closures = closures;
        this.clock = clock;
    }

    @GetMapping("/actions/{id}")
    String action(@PathVariable long id, @RequestParam(required = false) EvaluationState state,
            @RequestParam(defaultValue = "0") int page, @RequestParam(required = false) String preview, Model model) {
        DashboardQueries.ActionOverview action = dashboard.action(id);
        if (action == null) {
            throw new NotFoundException("No action with id " + id);
        }
        String stateName = (state != null) ? state.name() : null;
        int current = Math.max(page, 0);
        long total = evaluations.count(id, stateName);
        model.addAttribute("action", action);
        model.addAttribute("skips", dashboard.skips(id));
        model.addAttribute("reputation", reputation.ofAction(id));
        model.addAttribute("limits", reputation.limits());
        model.addAttribute("state", stateName);
        model.addAttribute("states", EvaluationState.values());
        model.addAttribute("evaluations", evaluations.page(id, stateName, current, PAGE_SIZE));
        model.addAttribute("page", current);
        model.addAttribute("pages", Math.max(1, (total + PAGE_SIZE - 1) / PAGE_SIZE));
        model.addAttribute("total", total);
        model.addAttribute("previewEmail", preview);
        if (preview != null && !preview.isBlank()) {
            try {
                model.addAttribute("preview", previews.preview(action.flowId(), action.stepKey(),
                        new PreviewRequest(preview.strip(), null, null)));
            }
            catch (NotFoundException | InvalidRequestException ex) {
                model.addAttribute("previewError", ex.getMessage());
            }
        }
        return "admin/action";
    }

    /** Sets an action the reputation guard (or anything) paused live again. */
    @PostMapping("/actions/{id}/resume")
    String resume(@PathVariable long id, RedirectAttributes redirect) {
        try {
            if (!reputation.resume(id)) {
                throw new NotFoundException("No action with id " + id);
            }
            redirect.addFlashAttribute("message",
                    "Action " + id + " is live again; the reputation guard counts afresh.");
        }
        catch (ConflictException ex) {
            redirect.addFlashAttribute("error", ex.getMessage());
        }
        return "redirect:/admin/actions/" + id;
    }

    @PostMapping("/actions/{id}/requeue")
    String requeueAll(@PathVariable long id, @RequestParam EvaluationState state, RedirectAttributes redirect) {
        if (state != EvaluationState.FAILED && state != EvaluationState.IN_DOUBT) {
            redirect.addFlashAttribute("error", "Only FAILED and IN_DOUBT evaluations can be requeued.");
        }
        else {
            OperatorMoves.Requeued requeued = moves.requeue(id, state, clock.instant(), "requeued by an operator");
            redirect.addFlashAttribute("message",
                    requeued.requeued() + " " + state + " evaluation(s) requeued: due now.");
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
            OperatorMoves.Requeued requeued = moves.requeue(List.of(evaluationId), confirmDuplicate, clock.instant(),
                    confirmDuplicate ? "requeued by an operator, who accepted a possible duplicate"
                            : "requeued by an operator");
            if (requeued.requeued() == 1) {
                redirect.addFlashAttribute("message", "Evaluation " + evaluationId + ": requeued, due now.");
            }
            else {
                redirect.addFlashAttribute("error",
                        "Evaluation " + evaluationId + " was not requeued: " + (requeued.refusals().isEmpty()
                                ? "it is not FAILED or IN_DOUBT." : requeued.refusals().get(0).reason()));
            }
            return "redirect:/admin/actions/" + actionId + ((returnState != null) ? "?state=" + returnState : "");
        }
        int changed = switch (operation) {
            case "sent" -> closures.close(List.of(evaluationId), EvaluationState.SENT, clock.instant());
            case "failed" -> closures.close(List.of(evaluationId), EvaluationState.FAILED, clock.instant());
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

}
