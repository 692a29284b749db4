package io.flowbatch.admin;

import java.util.Map;

import io.flowbatch.deliverability.Reputation;
import io.flowbatch.system.NotFoundException;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/admin/actions/{id}/stats}: an action's evaluations by state, its Redis
 * bucket, why its skipped ones were skipped and how many wait deferred.
 */
@RestController
class ActionStatsController {

    private final DashboardQueries queries;

    private final Reputation reputation;

    ActionStatsController(DashboardQueries queries, Reputation reputation) {
        this.queries = queries;
        this.reputation = reputation;
    }

    @GetMapping("/api/admin/actions/{id}/stats")
    ActionStats stats(@PathVariable long id) {
        DashboardQueries.ActionOverview action = queries.action(id);
        if (action == null) {
            throw new NotFoundException("No action with id " + id);
        }
        return new ActionStats(id, action.counts(), action.buffered(), queries.skips(id), action.deferred(),
                reputation.ofAction(id));
    }

    /**
     * Every evaluation state with its count (zeros included), the ids waiting in the
     * bucket, the skipped ones by cause ({@code smart sending}, {@code frequency cap},
     * {@code unsubscribed}, {@code suppressed}, {@code exited the flow}, {@code draft},
     * {@code other}), and the WAITING ones a send window or a cap defers, with the
     * earliest due, and its hard-bounce and complaint rates over its latest sends as the
     * reputation guard measures them.
     */
    record ActionStats(long actionId, Map<String, Long> states, long buffered, Map<String, Long> skipped,
            DashboardQueries.Deferred deferred, Reputation.Standing reputation) {
    }

}
