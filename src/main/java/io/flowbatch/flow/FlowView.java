package io.flowbatch.flow;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;

/** A flow as {@code GET /api/flows/{id}} shows it. */
public record FlowView(long id, String name, String triggerMetric, List<String> exitMetrics, FlowStatus status,
        List<Action> actions) {

    /**
     * One action of the flow and the current version of its template.
     *
     * @param at the local time its delay ends at, or null
     * @param sendWindow its send window, or null
     * @param relay the relay it sends through, or null for {@code default}
     * @param statusReason why it is paused, when the reputation guard paused it
     */
    public record Action(long id, int position, Duration delay, LocalTime at, ActionStatus status, String statusReason,
            ActionKind kind, boolean smartSending, OnCap onCap, SendWindow sendWindow, String relay, long templateId,
            int templateVersion) {
    }

}
