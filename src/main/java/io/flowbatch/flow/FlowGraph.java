package io.flowbatch.flow;

import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowbatch.condition.ConditionParser;
import io.flowbatch.system.FieldProblem;
import tools.jackson.databind.JsonNode;

/**
 * A flow's steps as one graph, read from either form of the request and checked whole:
 * every reference names a step, every step is reachable from the entry, a split has both
 * branches, a random split's shares add up to 100, and no cycle runs without a delay (a
 * customer would go round it within one run of the job). The linear form is the graph
 * whose steps follow one another.
 */
final class FlowGraph {

    /** Branches a random split may have. */
    static final int MAX_BRANCHES = 10;

    private FlowGraph() {
    }

    /** The steps of the linear form: {@code action-1}, {@code action-2}, ... in order. */
    static List<Step> ofActions(List<FlowRequest.ActionRequest> actions) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < actions.size(); i++) {
            String next = (i + 1 < actions.size()) ? "action-" + (i + 2) : null;
            FlowRequest.ActionRequest action = actions.get(i);
            steps.add(new Step("action-" + (i + 1), StepType.EMAIL, "actions[" + i + "]", action.delay(), action.at(),
                    action, null, null, next, null, List.of()));
        }
        return steps;
    }

    /**
     * The steps of the graph form, or problems naming the step and field. Conditions are
     * checked here; templates and the email controls by the caller.
     */
    static List<Step> ofSteps(List<FlowRequest.StepRequest> requests, List<FieldProblem> problems) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            if (index.putIfAbsent(requests.get(i).id(), i) != null) {
                problems.add(new FieldProblem(path(i) + ".id",
                        "'" + requests.get(i).id() + "' is the id of an earlier step too"));
            }
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Step step = step(requests.get(i), path(i), index, problems);
            if (step != null) {
                steps.add(step);
            }
        }
        if (!problems.isEmpty()) {
            return List.of();
        }
        reachability(steps, problems);
        cyclesWithoutDelay(steps, problems);
        return problems.isEmpty() ? steps : List.of();
    }

    private static Step step(FlowRequest.StepRequest request, String path, Map<String, Integer> index,
            List<FieldProblem> problems) {
        StepType type = StepType.ofApiName(request.type());
        if (type == null) {
            problems.add(new FieldProblem(path + ".type", "must be one of delay, email, webhook, split, random"));
            return null;
        }
        int before = problems.size();
        onlyFor(type, StepType.DELAY, request.delay() != null || request.at() != null, path + ".delay",
                "only a delay step waits; put a delay step before this one", problems);
        onlyFor(type, StepType.EMAIL,
                request.email() != null || request.kind() != null || request.smartSending() != null
                        || request.onCap() != null || request.sendWindow() != null || request.relay() != null,
                path + ".email", "only an email step has an email and its controls", problems);
        onlyFor(type, StepType.WEBHOOK, request.url() != null || request.body() != null || request.batch() != null,
                path + ".url", "only a webhook step has a url, a body and batch", problems);
        if (request.status() != null && type != StepType.EMAIL && type != StepType.WEBHOOK) {
            problems.add(new FieldProblem(path + ".status", "only an email or webhook step has a status"));
        }
        onlyFor(type, StepType.SPLIT, request.condition() != null || request.yes() != null || request.no() != null,
                path + ".condition", "only a split has a condition, yes and no", problems);
        onlyFor(type, StepType.RANDOM, request.branches() != null, path + ".branches",
                "only a random split has branches", problems);
        if (type == StepType.SPLIT || type == StepType.RANDOM) {
            if (request.next() != null) {
                problems.add(new FieldProblem(path + ".next", "a " + type.apiName() + " goes on through its "
                        + ((type == StepType.SPLIT) ? "yes and no" : "branches") + ", not next"));
            }
        }
        else {
            reference(request.next(), path + ".next", index, problems);
        }
        FlowRequest.ActionRequest email = null;
        Webhook webhook = null;
        String condition = null;
        String yes = null;
        String no = null;
        Duration delay = Duration.ZERO;
        List<Branch> branches = List.of();
        switch (type) {
            case DELAY -> {
                if (request.delay() == null || request.delay().isNegative() || request.delay().isZero()
                        || request.delay().compareTo(FlowService.MAX_DELAY) > 0) {
                    problems.add(new FieldProblem(path + ".delay", "must be between PT1S and P365D"));
                }
                delay = request.delay();
            }
            case EMAIL -> {
                if (request.email() == null) {
                    problems.add(new FieldProblem(path + ".email", "must not be null"));
                }
                email = new FlowRequest.ActionRequest(Duration.ZERO,
                        (request.status() != null) ? request.status() : ActionStatus.LIVE, request.email(),
                        request.kind(), request.smartSending(), request.onCap(), request.sendWindow(), null,
                        request.relay());
            }
            case WEBHOOK -> {
                if (request.url() == null || request.url().isBlank()) {
                    problems.add(new FieldProblem(path + ".url", "a webhook step needs a url"));
                }
                if (request.body() == null || request.body().isBlank()) {
                    problems.add(new FieldProblem(path + ".body", "a webhook step needs a body"));
                }
                webhook = new Webhook(request.url(), request.body(), Boolean.TRUE.equals(request.batch()),
                        (request.status() != null) ? request.status() : ActionStatus.LIVE);
            }
            case SPLIT -> {
                if (request.condition() == null || request.condition().isNull()) {
                    problems.add(new FieldProblem(path + ".condition", "a split needs a condition"));
                }
                else if (ConditionParser.parse(request.condition(), path + ".condition", problems) != null) {
                    condition = request.condition().toString();
                }
                yes = branch(request.yes(), path + ".yes", index, problems);
                no = branch(request.no(), path + ".no", index, problems);
            }
            case RANDOM -> branches = branches(request.branches(), path + ".branches", index, problems);
        }
        if (problems.size() > before) {
            return null;
        }
        String next = (type == StepType.SPLIT) ? yes : request.next();
        return new Step(request.id(), type, path, delay, request.at(), email, webhook, condition, next, no, branches);
    }

    private static List<Branch> branches(List<FlowRequest.Branch> requests, String path, Map<String, Integer> index,
            List<FieldProblem> problems) {
        if (requests == null || requests.size() < 2 || requests.size() > MAX_BRANCHES) {
            problems.add(new FieldProblem(path, "a random split needs 2 to " + MAX_BRANCHES + " branches"));
            return List.of();
        }
        List<Branch> branches = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < requests.size(); i++) {
            FlowRequest.Branch request = requests.get(i);
            String branchPath = path + "[" + i + "]";
            if (request.percent() < 1 || request.percent() > 99) {
                problems.add(new FieldProblem(branchPath + ".percent", "must be a whole number from 1 to 99"));
                return List.of();
            }
            String next = branch(request.next(), branchPath + ".next", index, problems);
            branches.add(new Branch(from, from + request.percent(), next));
            from += request.percent();
        }
        if (from != 100) {
            problems.add(new FieldProblem(path, "the branches' percents add up to " + from + ", not 100"));
        }
        return branches;
    }

    /** A branch: a step's id, or an explicit null that ends the path. */
    private static String branch(JsonNode node, String path, Map<String, Integer> index, List<FieldProblem> problems) {
        if (node == null) {
            problems.add(new FieldProblem(path, "is missing: name the next step, or null to end the path here"));
            return null;
        }
        if (node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            problems.add(new FieldProblem(path, "must be a step id or null"));
            return null;
        }
        reference(node.stringValue(), path, index, problems);
        return node.stringValue();
    }

    private static void reference(String id, String path, Map<String, Integer> index, List<FieldProblem> problems) {
        if (id != null && !index.containsKey(id)) {
            problems.add(new FieldProblem(path, "names no step of this flow: '" + id + "'"));
        }
    }

    private static void onlyFor(StepType type, StepType owner, boolean present, String field, String message,
            List<FieldProblem> problems) {
        if (present && type != owner) {
            problems.add(new FieldProblem(field, message));
        }
    }

    private static void reachability(List<Step> steps, List<FieldProblem> problems) {
        Map<String, Step> byKey = byKey(steps);
        Set<String> reached = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(steps.get(0).key()));
        while (!todo.isEmpty()) {
            String key = todo.pop();
            if (reached.add(key)) {
                todo.addAll(byKey.get(key).successors());
            }
        }
        for (Step step : steps) {
            if (!reached.contains(step.key())) {
                problems.add(new FieldProblem(step.path() + ".id", "step '" + step.key()
                        + "' cannot be reached from the entry step '" + steps.get(0).key() + "'"));
            }
        }
    }

    /**
     * A cycle is allowed only through a delay: entering a delay step schedules the
     * customer for later, so it cuts the cycle for this run.
     */
    private static void cyclesWithoutDelay(List<Step> steps, List<FieldProblem> problems) {
        Map<String, Step> byKey = byKey(steps);
        Map<String, Integer> color = new HashMap<>();
        for (Step step : steps) {
            List<String> cycle = cycleFrom(step.key(), byKey, color, new ArrayList<>());
            if (cycle != null) {
                problems.add(new FieldProblem(byKey.get(cycle.get(0)).path(),
                        "forms a cycle without a delay: " + String.join(" -> ", cycle)));
                return;
            }
        }
    }

    private static List<String> cycleFrom(String key, Map<String, Step> byKey, Map<String, Integer> color,
            List<String> trail) {
        Integer state = color.get(key);
        if (state != null && state == 2) {
            return null;
        }
        if (state != null) {
            List<String> cycle = new ArrayList<>(trail.subList(trail.indexOf(key), trail.size()));
            cycle.add(key);
            return cycle;
        }
        color.put(key, 1);
        trail.add(key);
        for (String next : byKey.get(key).successors()) {
            if (byKey.get(next).type() != StepType.DELAY) {
                List<String> cycle = cycleFrom(next, byKey, color, trail);
                if (cycle != null) {
                    return cycle;
                }
            }
        }
        trail.remove(trail.size() - 1);
        color.put(key, 2);
        return null;
    }

    private static Map<String, Step> byKey(List<Step> steps) {
        Map<String, Step> byKey = new LinkedHashMap<>();
        steps.forEach((step) -> byKey.put(step.key(), step));
        return byKey;
    }

    private static String path(int index) {
        return "steps[" + index + "]";
    }

    /**
     * One step, ready to store.
     *
     * @param path where the request states it, for problems
     * @param delay how long an evaluation at this step waits before it is due
     * @param at the local time the delay ends at, or null
     * @param email an email step's action (its delay, status, template and controls);
     * null otherwise
     * @param webhook a webhook step's request; null otherwise
     * @param condition a split's condition as JSON text; null otherwise
     * @param next the step that follows (a split's yes); null ends the path
     * @param no a split's no; null ends the path
     */
    record Step(String key, StepType type, String path, Duration delay, LocalTime at, FlowRequest.ActionRequest email,
            Webhook webhook, String condition, String next, String no, List<Branch> branches) {

        List<String> successors() {
            List<String> successors = new ArrayList<>();
            if (next != null) {
                successors.add(next);
            }
            if (no != null) {
                successors.add(no);
            }
            branches.stream().map(Branch::next).filter((n) -> n != null).forEach(successors::add);
            return successors;
        }

    }

    /**
     * A webhook step's request.
     *
     * @param body its template, rendered per customer into JSON
     * @param batch whether the endpoint takes a whole chunk in one request
     */
    record Webhook(String url, String body, boolean batch, ActionStatus status) {
    }

    /** A random split's branch: buckets {@code [from, to)} of 100 go to {@code next}. */
    record Branch(int from, int to, String next) {
    }

}
