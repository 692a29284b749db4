package io.flowbatch.flow;

import java.time.Duration;
import java.util.List;

/** A flow as {@code GET /api/flows/{id}} shows it. */
public record FlowView(long id, String name, String triggerMetric, List<String> exitMetrics, FlowStatus status,
        List<Action> actions) {

    /** One action of the flow and the current version of its template. */
    public record Action(long id, int position, Duration delay, ActionStatus status, ActionKind kind,
            boolean smartSending, long templateId, int templateVersion) {
    }

}
