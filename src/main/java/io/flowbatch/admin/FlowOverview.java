package io.flowbatch.admin;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.flowbatch.evaluation.EvaluationCounts;
import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.flow.FlowService;
import io.flowbatch.flow.FlowView;

import org.springframework.stereotype.Component;

/**
 * A flow's graph with each step's counts (by state, skips by cause, and where a split or
 * a random split sent its customers), read from the evaluation counters, and the graph
 * laid out for the flow page: steps in rows by their distance from the entry.
 */
@Component
class FlowOverview {

    static final int NODE_WIDTH = 250;

    static final int NODE_HEIGHT = 58;

    static final int COLUMN = 290;

    static final int ROW = 110;

    private final FlowService flows;

    private final EvaluationCounts evaluationCounts;

    FlowOverview(FlowService flows, EvaluationCounts evaluationCounts) {
        this.flows = flows;
        this.evaluationCounts = evaluationCounts;
    }

    Flow of(long flowId) {
        FlowView flow = flows.get(flowId);
        Map<Long, StepCounts> counts = new HashMap<>();
        flow.steps().forEach((step) -> counts.put(step.actionId(), new StepCounts()));
        for (EvaluationCounts.Count count : evaluationCounts.ofSteps(counts.keySet())) {
            counts.get(count.actionId()).add(count.state(), count.detail(), count.n());
        }
        List<Step> steps = new ArrayList<>();
        for (FlowView.Step step : flow.steps()) {
            steps.add(new Step(step, counts.get(step.actionId())));
        }
        return new Flow(flow, steps, layout(flow.steps()));
    }

    /**
     * Rows by distance from the entry (breadth first), steps in a row in their order in
     * the flow; an edge back up a row (a loop through a delay) is drawn round the side.
     */
    private static Layout layout(List<FlowView.Step> steps) {
        Map<String, FlowView.Step> byId = new LinkedHashMap<>();
        steps.forEach((step) -> byId.put(step.id(), step));
        Map<String, Integer> row = new LinkedHashMap<>();
        Deque<String> todo = new ArrayDeque<>();
        row.put(steps.get(0).id(), 0);
        todo.add(steps.get(0).id());
        while (!todo.isEmpty()) {
            String id = todo.poll();
            for (Edge edge : edges(byId.get(id))) {
                if (edge.to() != null && !row.containsKey(edge.to())) {
                    row.put(edge.to(), row.get(id) + 1);
                    todo.add(edge.to());
                }
            }
        }
        Map<Integer, Integer> perRow = new HashMap<>();
        Map<String, Node> nodes = new LinkedHashMap<>();
        for (FlowView.Step step : steps) {
            int r = row.getOrDefault(step.id(), 0);
            int column = perRow.merge(r, 1, Integer::sum) - 1;
            nodes.put(step.id(), new Node(step.id(), 20 + column * COLUMN, 20 + r * ROW));
        }
        List<Line> lines = new ArrayList<>();
        int ends = 0;
        for (FlowView.Step step : steps) {
            Node from = nodes.get(step.id());
            for (Edge edge : edges(step)) {
                Node to = (edge.to() != null) ? nodes.get(edge.to()) : null;
                int x1 = from.x() + NODE_WIDTH / 2;
                int y1 = from.y() + NODE_HEIGHT;
                if (to == null) {
                    // The path ends: a short stub from the box's right, apart from the
                    // lines that go on.
                    int x = from.x() + NODE_WIDTH - 24 + ends % 2 * 12;
                    lines.add(new Line("M" + x + "," + y1 + " l0,22", edge.label() + " (end)", x + 4, y1 + 18, true));
                    ends++;
                    continue;
                }
                int x2 = to.x() + NODE_WIDTH / 2;
                int y2 = to.y();
                String path = (y2 > y1) ? "M" + x1 + "," + y1 + " L" + x2 + "," + y2
                        : "M" + (from.x() + NODE_WIDTH) + "," + (from.y() + NODE_HEIGHT / 2) + " C"
                                + (from.x() + NODE_WIDTH + 60) + "," + (from.y() + NODE_HEIGHT / 2) + " "
                                + (to.x() + NODE_WIDTH + 60) + "," + (to.y() + NODE_HEIGHT / 2) + " "
                                + (to.x() + NODE_WIDTH) + "," + (to.y() + NODE_HEIGHT / 2);
                lines.add(new Line(path, edge.label(), (x1 + x2) / 2 + 4, (y1 + y2) / 2, false));
            }
        }
        int width = 40 + perRow.values().stream().mapToInt(Integer::intValue).max().orElse(1) * COLUMN + 60;
        int height = 40 + (row.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1) * ROW + 10;
        return new Layout(width, height, new ArrayList<>(nodes.values()), lines, ends);
    }

    private static List<Edge> edges(FlowView.Step step) {
        List<Edge> edges = new ArrayList<>();
        switch (step.type()) {
            case SPLIT -> {
                edges.add(new Edge(step.yes(), "yes"));
                edges.add(new Edge(step.no(), "no"));
            }
            case RANDOM ->
                step.branches().forEach((branch) -> edges.add(new Edge(branch.next(), branch.percent() + " %")));
            default -> {
                if (step.next() != null) {
                    edges.add(new Edge(step.next(), ""));
                }
            }
        }
        return edges;
    }

    /** A flow as its page and {@code GET /api/admin/flows/{id}} show it. */
    record Flow(FlowView flow, List<Step> steps, Layout layout) {

        public Step step(String id) {
            return steps.stream().filter((step) -> step.step().id().equals(id)).findFirst().orElseThrow();
        }

    }

    /** One step with its counts. */
    record Step(FlowView.Step step, StepCounts counts) {
    }

    /**
     * A step's evaluations: by state (every state, zeros included), skips by cause, and
     * where the step sent the customers it routed ({@code yes}/{@code no} for a split,
     * the branch's number for a random split).
     */
    static final class StepCounts {

        private final Map<String, Long> states = new LinkedHashMap<>();

        private final Map<String, Long> skipped = new LinkedHashMap<>();

        /** Yes before no, then branches by number. */
        private final Map<String, Long> went = new TreeMap<>(Comparator
            .comparingInt((String branch) -> branch.equals("yes") ? -2 : branch.equals("no") ? -1 : 0)
            .thenComparingInt((branch) -> branch.chars().allMatch(Character::isDigit) ? Integer.parseInt(branch) : 0)
            .thenComparing(Comparator.naturalOrder()));

        StepCounts() {
            for (EvaluationState state : EvaluationState.values()) {
                states.put(state.name(), 0L);
            }
        }

        void add(String state, String detail, long n) {
            states.merge(state, n, Long::sum);
            if ("SKIPPED".equals(state) && detail != null) {
                skipped.merge(detail, n, Long::sum);
            }
            if ("DONE".equals(state) && detail != null) {
                if (detail.startsWith("split: ")) {
                    went.merge(detail.substring("split: ".length()), n, Long::sum);
                }
                else if (detail.startsWith("random: branch ")) {
                    went.merge(detail.substring("random: branch ".length()), n, Long::sum);
                }
            }
        }

        public Map<String, Long> states() {
            return states;
        }

        public Map<String, Long> skipped() {
            return skipped;
        }

        public Map<String, Long> went() {
            return went;
        }

        public long pending() {
            return DashboardQueries.pending(states);
        }

        /** The line the flow page writes in a step's box. */
        public String summary() {
            List<String> parts = new ArrayList<>();
            long waiting = pending();
            if (waiting > 0) {
                parts.add(waiting + " waiting");
            }
            if (!went.isEmpty()) {
                went.forEach((branch, n) -> parts.add(branch + ": " + n));
            }
            else if (states.get("DONE") > 0) {
                parts.add(states.get("DONE") + " done");
            }
            if (states.get("SENT") > 0) {
                parts.add(states.get("SENT") + " sent");
            }
            long skips = states.get("SKIPPED");
            if (skips > 0) {
                parts.add(skips + " skipped");
            }
            long failed = states.get("FAILED") + states.get("IN_DOUBT");
            if (failed > 0) {
                parts.add(failed + " failed");
            }
            return parts.isEmpty() ? "no evaluations" : String.join(" · ", parts);
        }

    }

    /** The flow page's drawing: a box per step and a line per branch. */
    record Layout(int width, int height, List<Node> nodes, List<Line> lines, int ends) {
    }

    record Node(String id, int x, int y) {
    }

    /**
     * One branch as an SVG path, its label and where to write it; {@code end}: the path
     * ends here.
     */
    record Line(String path, String label, int labelX, int labelY, boolean end) {
    }

    private record Edge(String to, String label) {
    }

}
