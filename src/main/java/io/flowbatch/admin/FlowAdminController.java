package io.flowbatch.admin;

import io.flowbatch.flow.FlowService;
import io.flowbatch.flow.FlowStatusChanged;
import io.flowbatch.system.ConflictException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * A flow for operators: {@code GET /api/admin/flows/{id}} (the graph as {@code GET
 * /api/flows/{id}} shows it, each step with its {@code states}, its {@code skipped} by
 * cause and, for a split or random split, where its customers {@code went}) and the flow
 * page, which draws the graph with the counts on it and pauses, resumes and archives the
 * flow.
 */
@Controller
class FlowAdminController {

    private final FlowOverview overview;

    private final JsonMapper json;

    private final FlowService flows;

    FlowAdminController(FlowOverview overview, JsonMapper json, FlowService flows) {
        this.flows = flows;
        this.overview = overview;
        this.json = json;
    }

    @GetMapping("/api/admin/flows/{id}")
    @ResponseBody
    ObjectNode flow(@PathVariable long id) {
        FlowOverview.Flow flow = overview.of(id);
        ObjectNode body = json.valueToTree(flow.flow());
        ArrayNode steps = body.putArray("steps");
        for (FlowOverview.Step step : flow.steps()) {
            ObjectNode node = json.valueToTree(step.step());
            node.set("states", json.valueToTree(step.counts().states()));
            node.set("skipped", json.valueToTree(step.counts().skipped()));
            if (!step.counts().went().isEmpty()) {
                node.set("went", json.valueToTree(step.counts().went()));
            }
            steps.add(node);
        }
        return body;
    }

    /** Pause, resume or archive from the flow page. */
    @PostMapping("/admin/flows/{id}/{move:pause|resume|archive}")
    String move(@PathVariable long id, @PathVariable String move, RedirectAttributes redirect) {
        try {
            FlowStatusChanged changed = switch (move) {
                case "pause" -> flows.pause(id);
                case "resume" -> flows.resume(id);
                default -> flows.archive(id);
            };
            redirect.addFlashAttribute("message", "Flow " + id + " is " + changed.status() + ((changed.cancelled() > 0)
                    ? "; " + changed.cancelled() + " pending evaluation(s) cancelled." : "."));
        }
        catch (ConflictException ex) {
            redirect.addFlashAttribute("error", ex.getMessage());
        }
        return "redirect:/admin/flows/" + id;
    }

    @GetMapping("/admin/flows/{id}")
    String page(@PathVariable long id, Model model) {
        FlowOverview.Flow flow = overview.of(id);
        model.addAttribute("flow", flow.flow());
        model.addAttribute("overview", flow);
        model.addAttribute("layout", flow.layout());
        model.addAttribute("nodeWidth", FlowOverview.NODE_WIDTH);
        model.addAttribute("nodeHeight", FlowOverview.NODE_HEIGHT);
        model.addAttribute("versions", flows.versions(id));
        return "admin/flow";
    }

}
