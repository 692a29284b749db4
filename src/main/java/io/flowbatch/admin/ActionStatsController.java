package io.flowbatch.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import io.flowbatch.execution.Buckets;
import io.flowbatch.execution.EvaluationState;
import io.flowbatch.system.NotFoundException;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/admin/actions/{id}/stats}: an action's evaluations by state, and its Redis bucket. */
@RestController
class ActionStatsController {

    static final String ACTION_EXISTS = "SELECT count(*) FROM action WHERE id = :id";

    static final String COUNT_BY_STATE = "SELECT state, count(*) AS n FROM evaluation WHERE action_id = :id GROUP BY state";

    private final JdbcClient jdbc;

    private final Buckets buckets;

    ActionStatsController(JdbcClient jdbc, Buckets buckets) {
        this.jdbc = jdbc;
        this.buckets = buckets;
    }

    @GetMapping("/api/admin/actions/{id}/stats")
    ActionStats stats(@PathVariable long id) {
        if (jdbc.sql(ACTION_EXISTS).param("id", id).query(Long.class).single() == 0) {
            throw new NotFoundException("No action with id " + id);
        }
        Map<String, Long> states = new LinkedHashMap<>();
        for (EvaluationState state : EvaluationState.values()) {
            states.put(state.name(), 0L);
        }
        jdbc.sql(COUNT_BY_STATE).param("id", id).query((java.sql.ResultSet rs) -> {
            states.put(rs.getString("state"), rs.getLong("n"));
        });
        return new ActionStats(id, states, buckets.size(id));
    }

    /** Every state of DESIGN §3 with its count (zeros included), and the ids waiting in the bucket. */
    record ActionStats(long actionId, Map<String, Long> states, long buffered) {
    }

}
