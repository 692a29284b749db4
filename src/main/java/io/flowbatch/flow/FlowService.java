package io.flowbatch.flow;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;

import io.flowbatch.condition.ConditionParser;
import io.flowbatch.delivery.EmailContent;
import io.flowbatch.evaluation.FlowClosures;
import io.flowbatch.delivery.Relays;
import io.flowbatch.delivery.TemplateProblem;
import io.flowbatch.delivery.TemplateSandbox;
import io.flowbatch.system.ConflictException;
import io.flowbatch.system.FieldProblem;
import io.flowbatch.system.NotFoundException;
import io.flowbatch.system.RequestValidator;
import io.flowbatch.webhook.WebhookTargets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creates flows with their steps and templates, and changes action status. */
@Service
public class FlowService {

    /** Longest delay an action may have. */
    static final Duration MAX_DELAY = Duration.ofDays(365);

    private final FlowRepository flows;

    private final TemplateSandbox templates;

    private final RequestValidator validator;

    private final Relays relays;

    private final WebhookTargets webhookTargets;

    private final FlowClosures closures;

    private final Clock clock;

    private final JsonMapper json;

    FlowService(FlowRepository flows, TemplateSandbox templates, RequestValidator validator, Relays relays,
            WebhookTargets webhookTargets, FlowClosures closures, Clock clock, JsonMapper json) {
        this.json = json;
        this.closures = closures;
        this.clock = clock;
        this.flows = flows;
        this.webhookTargets = webhookTargets;
        this.relays = relays;
        this.templates = templates;
        this.validator = validator;
    }

    /**
     * Validates the whole request, templates included, then writes it in one transaction.
     */
    @Transactional
    public FlowCreated create(FlowRequest request) {
        Checked checked = check(request);
        if (request.version() != null || request.rescheduleWaiting() != null) {
            RequestValidator.throwIfAny(List.of(new FieldProblem("version", "is for an edit (PUT /api/flows/{id})")));
        }
        FlowStatus status = (request.status() != null) ? request.status() : FlowStatus.LIVE;
        if (status != FlowStatus.LIVE && status != FlowStatus.DRAFT) {
            RequestValidator.throwIfAny(List.of(new FieldProblem("status",
                    "a new flow is LIVE or DRAFT; pause or archive it through its endpoints")));
        }
        long flowId = flows.insertFlow(request.name().strip(), request.trigger().metric().strip(),
                checked.exitMetrics(), status, checked.triggerFilter(), checked.profileFilter());
        List<FlowCreated.ActionId> actionIds = new ArrayList<>();
        List<FlowCreated.StepId> stepIds = new ArrayList<>();
        for (int i = 0; i < checked.steps().size(); i++) {
            FlowGraph.Step step = checked.steps().get(i);
            Long templateId = (step.email() != null) ? flows.insertTemplate(step.email().email()) : null;
            long id = flows.insertStep(flowId, i + 1, step, templateId);
            if (step.type() == StepType.EMAIL) {
                actionIds.add(new FlowCreated.ActionId(id));
            }
            boolean sends = step.type() == StepType.EMAIL || step.type() == StepType.WEBHOOK;
            stepIds.add(new FlowCreated.StepId(step.key(), sends ? id : null));
        }
        flows.linkSteps(flowId, checked.steps());
        flows.insertVersion(flowId, 1, definition(request));
        return new FlowCreated(flowId, actionIds, stepIds);
    }

    /**
     * Publishes a new version of a flow, checked whole as a new flow is. A step whose id
     * stays keeps its row and its waiting evaluations, which go on under the new version
     * (an email step's template, when changed, is a new template version, rendered for
     * them when they are sent); a step the version leaves out is marked removed and its
     * pending evaluations CANCELLED; a changed delay moves the evaluations already
     * waiting only when {@code rescheduleWaiting} asks. A chunk already claimed finishes
     * on what it loaded. The version edited must be the flow's current one.
     */
    @Transactional
    public FlowUpdated update(long flowId, FlowRequest request) {
        if (request.version() == null) {
            RequestValidator
                .throwIfAny(List.of(new FieldProblem("version", "must be the version this edit was made from")));
        }
        if (request.status() != null) {
            RequestValidator.throwIfAny(
                    List.of(new FieldProblem("status", "a flow's status changes through pause, resume and archive")));
        }
        Checked checked = check(request);
        FlowRepository.Current current = flows.current(flowId)
            .orElseThrow(() -> new NotFoundException("No flow with id " + flowId));
        if (current.status() == FlowStatus.ARCHIVED) {
            throw new ConflictException("Flow " + flowId + " is ARCHIVED: it cannot be edited");
        }
        if (current.version() != request.version()) {
            throw new ConflictException("Flow " + flowId + " is at version " + current.version()
                    + "; this edit was made from version " + request.version());
        }
        List<FieldProblem> problems = new ArrayList<>();
        for (FlowGraph.Step step : checked.steps()) {
            FlowRepository.CurrentStep was = current.steps().get(step.key());
            if (was != null && was.removedInVersion() != null) {
                // Its id names the removed step's history; a new step takes a new id.
                problems.add(new FieldProblem(step.path() + ".id", "step '" + step.key() + "' was removed in version "
                        + was.removedInVersion() + "; give the new step a new id"));
            }
            else if (was != null && was.type() != step.type()) {
                problems.add(new FieldProblem(step.path() + ".type", "step '" + step.key() + "' is of type "
                        + was.type().apiName() + "; a step id keeps its type (give the new step a new id)"));
            }
        }
        RequestValidator.throwIfAny(problems);
        int version = current.version() + 1;
        if (!flows.updateFlowVersion(flowId, request.version(), request.name().strip(),
                request.trigger().metric().strip(), checked.exitMetrics(), checked.triggerFilter(),
                checked.profileFilter())) {
            throw new ConflictException(
                    "Flow " + flowId + " was edited meanwhile; it is no longer at version " + request.version());
        }
        flows.freePositions(flowId);
        Map<Long, Double> shifts = new LinkedHashMap<>();
        Set<String> kept = new HashSet<>();
        for (int i = 0; i < checked.steps().size(); i++) {
            FlowGraph.Step step = checked.steps().get(i);
            FlowRepository.CurrentStep was = current.steps().get(step.key());
            if (was == null) {
                Long templateId = (step.email() != null) ? flows.insertTemplate(step.email().email()) : null;
                flows.insertStep(flowId, i + 1, step, templateId);
                continue;
            }
            kept.add(step.key());
            flows.updateStep(was.id(), i + 1, step);
            if (step.email() != null) {
                flows.updateTemplate(was.templateId(), step.email().email());
            }
            // A step that ends at a local time is not moved: its due times are the
            // customers' clocks, not a shift.
            double shift = step.delay().toMillis() / 1000.0 - was.delaySeconds();
            if (shift != 0 && was.at() == null && step.at() == null) {
                shifts.put(was.id(), shift);
            }
        }
        List<Long> removed = current.steps()
            .entrySet()
            .stream()
            .filter((entry) -> entry.getValue().removedInVersion() == null && !kept.contains(entry.getKey()))
            .map((entry) -> entry.getValue().id())
            .toList();
        flows.markRemoved(removed, version);
        flows.deleteBranches(flowId);
        flows.linkSteps(flowId, checked.steps());
        int cancelled = closures.cancelSteps(removed, "step removed in version " + version);
        int rescheduled = Boolean.TRUE.equals(request.rescheduleWaiting()) ? closures.reschedule(shifts) : 0;
        flows.insertVersion(flowId, version, definition(request));
        return new FlowUpdated(flowId, version, cancelled, rescheduled);
    }

    /** Every version of a flow, newest first. */
    public List<FlowVersion> versions(long flowId) {
        get(flowId);
        return flows.versions(flowId);
    }

    /** The request as its version keeps it, without what only the edit needed. */
    private String definition(FlowRequest request) {
        ObjectNode definition = json.valueToTree(request);
        definition.remove("version");
        definition.remove("rescheduleWaiting");
        return json.writeValueAsString(definition);
    }

    /**
     * Everything wrong with a flow's definition, or its steps and filters ready to store:
     * the same checks for a new flow and a new version.
     */
    private Checked check(FlowRequest request) {
        validator.validate(request);
        List<FieldProblem> problems = new ArrayList<>();
        boolean linear = request.actions() != null && !request.actions().isEmpty();
        boolean graph = request.steps() != null && !request.steps().isEmpty();
        if (linear == graph) {
            RequestValidator.throwIfAny(List.of(new FieldProblem(linear ? "steps" : "actions",
                    "give either actions (one email after another) or steps (a graph), not "
                            + (linear ? "both" : "neither"))));
        }
        List<FlowGraph.Step> steps = linear ? FlowGraph.ofActions(request.actions())
                : FlowGraph.ofSteps(request.steps(), problems);
        String triggerFilter = condition(request.trigger().filter(), "trigger.filter", problems);
        String profileFilter = condition(request.profileFilter(), "profileFilter", problems);
        for (FlowGraph.Step step : steps) {
            if (step.webhook() != null) {
                webhookProblems(step, problems);
            }
            FlowRequest.ActionRequest action = step.email();
            if (action == null) {
                continue;
            }
            String path = step.path();
            if (action.email() == null) {
                continue;
            }
            if (action.delay().isNegative() || action.delay().compareTo(MAX_DELAY) > 0) {
                problems.add(new FieldProblem(path + ".delay", "must be between PT0S and P365D"));
            }
            marketingControlProblems(action, path, problems);
            if (action.relay() != null && !relays.names().contains(action.relay())) {
                problems.add(new FieldProblem(path + ".relay",
                        "no relay named '" + action.relay() + "' is configured; configured: " + relays.names()));
            }
            FlowRequest.Email email = action.email();
            for (TemplateProblem problem : templates
                .validate(new EmailContent(email.from(), email.subject(), email.html(), email.text()))) {
                problems.add(new FieldProblem(path + ".email." + problem.part(), problem.message()));
            }
        }
        RequestValidator.throwIfAny(problems);

        List<String> exitMetrics = (request.exitMetrics() != null) ? request.exitMetrics() : List.of();
        return new Checked(steps, triggerFilter, profileFilter, exitMetrics);
    }

    /** A definition that passed every check. */
    private record Checked(List<FlowGraph.Step> steps, String triggerFilter, String profileFilter,
            List<String> exitMetrics) {
    }

    private void webhookProblems(FlowGraph.Step step, List<FieldProblem> problems) {
        for (String problem : webhookTargets.problems(step.webhook().url())) {
            problems.add(new FieldProblem(step.path() + ".url", problem));
        }
        for (TemplateProblem problem : templates.validateWebhookBody(step.webhook().body())) {
            problems.add(new FieldProblem(step.path() + ".body", problem.message()));
        }
    }

    /** A condition's JSON as stored, once it reads; null for none. */
    private static String condition(JsonNode node, String field, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        return (ConditionParser.parse(node, field, problems) != null) ? node.toString() : null;
    }

    /**
     * A window that opens when it closes is no window; a transactional action passes no
     * marketing control, so one set on it would silently do nothing.
     */
    private static void marketingControlProblems(FlowRequest.ActionRequest action, String path,
            List<FieldProblem> problems) {
        SendWindow window = action.sendWindow();
        if (window != null && window.from() != null && window.from().equals(window.to())) {
            problems.add(new FieldProblem(path + ".sendWindow.to",
                    "must differ from from: a window closes after it opens (before it, for one over midnight)"));
        }
        if (window != null && window.days() != null
                && window.days().stream().distinct().count() < window.days().size()) {
            problems.add(new FieldProblem(path + ".sendWindow.days", "names a day twice"));
        }
        if (action.kindOrDefault() == ActionKind.TRANSACTIONAL) {
            if (window != null) {
                problems.add(new FieldProblem(path + ".sendWindow", "a transactional action has no send window"));
            }
            if (action.onCap() != null) {
                problems.add(new FieldProblem(path + ".onCap", "a transactional action passes no frequency cap"));
            }
            if (Boolean.TRUE.equals(action.smartSending())) {
                problems
                    .add(new FieldProblem(path + ".smartSending", "a transactional action passes no smart sending"));
            }
        }
    }

    /**
     * Holds every pending evaluation of a live flow where it is, and starts none;
     * evaluations already claimed by a chunk finish it, the rest wait.
     */
    @Transactional
    public FlowStatusChanged pause(long flowId) {
        return move(flowId, FlowStatus.PAUSED, EnumSet.of(FlowStatus.LIVE), 0);
    }

    /**
     * A paused or draft flow goes live: its evaluations go on, its trigger starts flows.
     */
    @Transactional
    public FlowStatusChanged resume(long flowId) {
        return move(flowId, FlowStatus.LIVE, EnumSet.of(FlowStatus.PAUSED, FlowStatus.DRAFT), 0);
    }

    /**
     * Withdraws a flow for good: every pending evaluation CANCELLED in one statement,
     * with the reason, and no trigger starts it again. Two statements whatever its size.
     */
    @Transactional
    public FlowStatusChanged archive(long flowId) {
        FlowStatusChanged changed = move(flowId, FlowStatus.ARCHIVED,
                EnumSet.of(FlowStatus.DRAFT, FlowStatus.LIVE, FlowStatus.PAUSED), 0);
        int cancelled = closures.cancelPending(flowId, "flow archived at " + clock.instant());
        return new FlowStatusChanged(flowId, changed.status(), cancelled);
    }

    private FlowStatusChanged move(long flowId, FlowStatus to, Set<FlowStatus> from, int cancelled) {
        if (!flows.updateFlowStatus(flowId, to, from)) {
            FlowStatus now = flows.findFlowStatus(flowId)
                .orElseThrow(() -> new NotFoundException("No flow with id " + flowId));
            throw new ConflictException(
                    "Flow " + flowId + " is " + now + "; only a flow that is " + from + " can become " + to);
        }
        return new FlowStatusChanged(flowId, to, cancelled);
    }

    public FlowView get(long id) {
        return flows.findFlow(id).orElseThrow(() -> new NotFoundException("No flow with id " + id));
    }

    public Optional<Long> findIdByName(String name) {
        return flows.findFlowIdByName(name);
    }

    @Transactional
    public void changeActionStatus(long actionId, ActionStatusRequest request) {
        validator.validate(request);
        StepType type = flows.findStepType(actionId)
            .orElseThrow(() -> new NotFoundException("No action with id " + actionId));
        // A step that sends nothing has no status of its own: holding it would hold the
        // customers behind it without a word. (Pausing a whole flow comes with flow
        // editing.)
        if (type != StepType.EMAIL && type != StepType.WEBHOOK) {
            RequestValidator.throwIfAny(List.of(new FieldProblem("status",
                    "a " + type.apiName() + " step has no status of its own; only email and webhook steps do")));
        }
        flows.updateActionStatus(actionId, request.status());
    }

}
