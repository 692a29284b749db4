package io.flowbatch.flow;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Flows, their actions and templates in PostgreSQL. */
@Repository
class FlowRepository {

    static final String INSERT_FLOW = """
            INSERT INTO flow (name, trigger_metric, exit_metrics, status)
            VALUES (:name, :triggerMetric, :exitMetrics::text[], :status)
            RETURNING id
            """;

    static final String INSERT_TEMPLATE = """
            INSERT INTO template (from_address, subject, body_html, body_text)
            VALUES (:from, :subject, :html, :text)
            RETURNING id
            """;

    static final String INSERT_ACTION = """
            INSERT INTO action (flow_id, position, delay, delay_at, status, kind, smart_sending, on_cap,
                                send_window_days, send_window_from, send_window_to, relay, template_id)
            VALUES (:flowId, :position, make_interval(secs => :delaySeconds), :at::time, :status, :kind, :smartSending,
                    :onCap, :windowDays::smallint[], :windowFrom::time, :windowTo::time, :relay, :templateId)
            RETURNING id
            """;

    static final String SELECT_FLOW = """
            SELECT id, name, trigger_metric, exit_metrics, status FROM flow WHERE id = :id
            """;

    static final String SELECT_ACTIONS = """
            SELECT a.id, a.position, extract(epoch FROM a.delay) AS delay_seconds, a.delay_at, a.status, a.status_reason, a.kind,
                   a.smart_sending, a.on_cap, a.send_window_days, a.send_window_from, a.send_window_to, a.relay,
                   a.template_id,
                   t.version AS template_version
            FROM action a JOIN template t ON t.id = a.template_id
            WHERE a.flow_id = :flowId
            ORDER BY a.position
            """;

    static final String SELECT_FLOW_ID_BY_NAME = "SELECT id FROM flow WHERE name = :name ORDER BY id LIMIT 1";

    /**
     * An operator's change; setting a held action live again starts the reputation
     * guard's window afresh, so that it judges the action on what it sends from now.
     */
    static final String UPDATE_ACTION_STATUS = """
            UPDATE action SET status = :status, status_reason = NULL, updated_at = now(),
                guard_since = CASE WHEN :status = 'LIVE' AND status <> 'LIVE' THEN now() ELSE guard_since END
            WHERE id = :id
            """;

    private final JdbcClient jdbc;

    FlowRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    long insertFlow(String name, String triggerMetric, List<String> exitMetrics, FlowStatus status) {
        return jdbc.sql(INSERT_FLOW)
            .param("name", name)
            .param("triggerMetric", triggerMetric)
            .param("exitMetrics", exitMetrics.toArray(String[]::new))
            .param("status", status.name())
            .query(Long.class)
            .single();
    }

    long insertTemplate(FlowRequest.Email email) {
        return jdbc.sql(INSERT_TEMPLATE)
            .param("from", email.from().strip())
            .param("subject", email.subject())
            .param("html", email.html())
            .param("text", email.text())
            .query(Long.class)
            .single();
    }

    long insertAction(long flowId, int position, FlowRequest.ActionRequest action, long templateId) {
        SendWindow window = action.sendWindow();
        return jdbc.sql(INSERT_ACTION)
            .param("flowId", flowId)
            .param("position", position)
            .param("delaySeconds", action.delay().toMillis() / 1000.0)
            .param("at", action.at())
            .param("status", action.status().name())
            .param("kind", action.kindOrDefault().name())
            .param("smartSending", action.smartSendingOrDefault())
            .param("onCap", action.onCapOrDefault().name())
            .param("windowDays",
                    (window != null) ? window.days().stream().map(SendDay::iso).toArray(Integer[]::new) : null)
            .param("windowFrom", (window != null) ? window.from() : null)
            .param("windowTo", (window != null) ? window.to() : null)
            .param("relay", action.relay())
            .param("templateId", templateId)
            .query(Long.class)
            .single();
    }

    Optional<FlowView> findFlow(long id) {
        List<FlowView.Action> actions = jdbc.sql(SELECT_ACTIONS)
            .param("flowId", id)
            .query((rs, row) -> new FlowView.Action(rs.getLong("id"), rs.getInt("position"),
                    Duration.ofMillis(rs.getBigDecimal("delay_seconds").multiply(BigDecimal.valueOf(1000)).longValue()),
                    rs.getObject("delay_at", LocalTime.class), ActionStatus.valueOf(rs.getString("status")),
                    rs.getString("status_reason"), ActionKind.valueOf(rs.getString("kind")),
                    rs.getBoolean("smart_sending"), OnCap.valueOf(rs.getString("on_cap")), sendWindow(rs),
                    rs.getString("relay"), rs.getLong("template_id"), rs.getInt("template_version")))
            .list();
        return jdbc.sql(SELECT_FLOW)
            .param("id", id)
            .query((rs, row) -> new FlowView(rs.getLong("id"), rs.getString("name"), rs.getString("trigger_metric"),
                    textArray(rs, "exit_metrics"), FlowStatus.valueOf(rs.getString("status")), actions))
            .optional();
    }

    Optional<Long> findFlowIdByName(String name) {
        return jdbc.sql(SELECT_FLOW_ID_BY_NAME).param("name", name).query(Long.class).optional();
    }

    boolean updateActionStatus(long actionId, ActionStatus status) {
        return jdbc.sql(UPDATE_ACTION_STATUS).param("id", actionId).param("status", status.name()).update() == 1;
    }

    private static SendWindow sendWindow(ResultSet rs) throws SQLException {
        Array days = rs.getArray("send_window_days");
        if (days == null) {
            return null;
        }
        return new SendWindow(
                Arrays.stream((Object[]) days.getArray())
                    .map((day) -> SendDay.ofIso(((Number) day).intValue()))
                    .toList(),
                rs.getObject("send_window_from", LocalTime.class), rs.getObject("send_window_to", LocalTime.class));
    }

    private static List<String> textArray(ResultSet rs, String column) throws SQLException {
        Array array = rs.getArray(column);
        return (array != null) ? Arrays.asList((String[]) array.getArray()) : List.of();
    }

}
