package io.flowbatch.flow;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.JsonNode;

/**
 * A flow as {@code GET /api/flows/{id}} shows it: its email actions, and every step of
 * its graph (the linear form's steps are {@code action-1}, {@code action-2}, ...).
 *
 * @param triggerFilter the trigger's filter as the API took it, or null
 * @param profileFilter the profile filter as the API took it, or null
 */
public record FlowView(long id, String name, String triggerMetric, List<String> exitMetrics, FlowStatus status,
        JsonNode triggerFilter, JsonNode profileFilter, List<Action> actions, List<Step> steps) {

    /**
     * One step and where it leads; fields that do not apply to its type are left out.
     *
     * @param next where the path goes after it (a split's yes is {@code yes}); null: it
     * ends
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(String id, StepType type, long actionId, Duration delay, LocalTime at, String next, String yes,
            String no, JsonNode condition, List<Branch> branches, String url, String body, Boolean batch) {
    }

    /** A random split's branch: {@code percent} of customers go to {@code next}. */
    public record Branch(int percent, String next) {
    }

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
