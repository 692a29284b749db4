package io.flowbatch.flow;

import java.util.List;

/**
 * Answer to {@code POST /api/flows}: the ids of the flow and of its actions, in order.
 */
public record FlowCreated(long id, List<ActionId> actions) {

    /** The id of one created action. */
    public record ActionId(long id) {
    }

}
