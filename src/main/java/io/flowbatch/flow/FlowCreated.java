package io.flowbatch.flow;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Answer to {@code POST /api/flows}: the ids of the flow and of its email actions, in
 * order, and every step's id with its action's.
 */
public record FlowCreated(long id, List<ActionId> actions, List<StepId> steps) {

    /** The id of one created action. */
    public record ActionId(long id) {
    }

    /**
     * One step: its id in the flow and, for an email step, its action's id (for
     * {@code PUT /api/actions/{id}/status} and the action pages).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepId(String id, Long actionId) {
    }

}
