package io.flowbatch.admin;

import java.util.Map;

import io.flowbatch.system.NotFoundException;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/admin/actions/{id}/stats}: an action's evaluations by state, and its
 * Redis bucket.
 */
@RestController
class ActionStatsController {

    private final DashboardQueries queries;

    ActionStatsController(DashboardQueries queries) {
        this.queries = queries;
    }

    @GetMapping("/api/admin/actions/{id}/stats")
    ActionStats stats(@PathVariable long id) {
        DashboardQueries.ActionOverview action = queries.action(id);
        if (action == null) {
            throw new NotFoundException("No action with id " + id);
        }
        return new ActionStats(id, action.counts(), action.buffered());
    }

    /**
     * Every evaluation state with its count (zeros included), and the ids waiting in the
     * bucket.
     */
    record ActionStats(long actionId, Map<String, Long> states, long buffered) {
    }

}
