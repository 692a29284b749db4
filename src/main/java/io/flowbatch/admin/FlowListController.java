package io.flowbatch.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The flows list: each flow's status, trigger, version and its evaluations by state, from
 * the counts the dashboard already takes.
 */
@Controller
class FlowListController {

    static final String FLOWS = """
            SELECT f.id, f.name, f.status, f.trigger_metric, f.version,
                   (SELECT count(*) FROM action a WHERE a.flow_id = f.id AND a.removed_in_version IS NULL) AS steps
            FROM flow f ORDER BY f.status = 'ARCHIVED', f.name, f.id
            """;

    private final JdbcClient jdbc;

    private final DashboardQueries dashboard;

    FlowListController(JdbcClient jdbc, DashboardQueries dashboard) {
        this.jdbc = jdbc;
        this.dashboard = dashboard;
    }

    @GetMapping("/admin/flows")
    String flows(Model model) {
        Map<Long, Map<String, Long>> counts = new HashMap<>();
        for (DashboardQueries.ActionOverview action : dashboard.actions()) {
            Map<String, Long> flow = counts.computeIfAbsent(action.flowId(), (id) -> new LinkedHashMap<>());
            action.counts().forEach((state, n) -> flow.merge(state, n, Long::sum));
        }
        List<FlowRow> flows = new ArrayList<>();
        jdbc.sql(FLOWS).query((rs, row) -> {
            long id = rs.getLong("id");
            return new FlowRow(id, rs.getString("name"), rs.getString("status"), rs.getString("trigger_metric"),
                    rs.getInt("version"), rs.getInt("steps"), counts.getOrDefault(id, Map.of()));
        }).list().forEach(flows::add);
        model.addAttribute("flows", flows);
        return "admin/flows";
    }

    /** One flow of the list. */
    record FlowRow(long id, String name, String status, String triggerMetric, int version, int steps,
            Map<String, Long> counts) {

        public long count(String state) {
            return counts.getOrDefault(state, 0L);
        }

        public long pending() {
            return DashboardQueries.pending(counts);
        }

    }

}
