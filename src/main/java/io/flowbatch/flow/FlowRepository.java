package io.flowbatch.flow;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.List;
import java.util.Optional;

import io.flowbatch.delivery.EmailContent;
import io.flowbatch.delivery.TemplateRef;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Flows, their actions and templates in PostgreSQL. */
@Repository
class FlowRepository {

    static final String INSERT_FLOW = """
            INSERT INTO flow (name, trigger_metric, exit_metrics, status, trigger_filter, profile_filter)
            VALUES (:name, :triggerMetric, :exitMetrics::text[], :status, :triggerFilter::jsonb, :profileFilter::jsonb)
            RETURNING id
            """;

    static final String INSERT_TEMPLATE = """
            INSERT INTO template (from_address, subject, body_html, body_text)
            VALUES (:from, :subject, :html, :text)
            RETURNING id
            """;

    static final String INSERT_ACTION = """
            INSERT INTO action (flow_id, position, step_key, type, delay, delay_at, status, kind, smart_sending, on_cap,
                                send_window_days, send_window_from, send_window_to, relay, template_id, condition,
                                webhook_url, webhook_body, webhook_batch)
            VALUES (:flowId, :position, :stepKey, :type, make_interval(secs => :delaySeconds), :at::time, :status, :kind,
                    :smartSending, :onCap, :windowDays::smallint[], :windowFrom::time, :windowTo::time, :relay,
                    :templateId, :condition::jsonb, :webhookUrl, :webhookBody, :webhookBatch)
            RETURNING id
            """;

    /**
     * Each step's next (a split's yes) and no, by step id, once every step has its row.
     */
    static final String LINK_STEPS = """
            UPDATE action a SET next_action_id = n.id, no_action_id = x.id
            FROM unnest(:keys::text[], :nextKeys::text[], :noKeys::text[]) AS l(step_key, next_key, no_key)
            LEFT JOIN action n ON n.flow_id = :flowId AND n.step_key = l.next_key
            LEFT JOIN action x ON x.flow_id = :flowId AND x.step_key = l.no_key
            WHERE a.flow_id = :flowId AND a.step_key = l.step_key
            """;

    static final String INSERT_BRANCHES = """
            INSERT INTO action_branch (action_id, position, from_bucket, to_bucket, next_action_id)
            SELECT a.id, b.position, b.from_bucket, b.to_bucket, n.id
            FROM unnest(:keys::text[], :positions::int[], :froms::int[], :tos::int[], :nextKeys::text[])
                AS b(step_key, position, from_bucket, to_bucket, next_key)
            JOIN action a ON a.flow_id = :flowId AND a.step_key = b.step_key
            LEFT JOIN action n ON n.flow_id = :flowId AND n.step_key = b.next_key
            """;

    static final String SELECT_FLOW = """
            SELECT id, name, trigger_metric, exit_metrics, status, trigger_filter::text, profile_filter::text
            FROM flow WHERE id = :id
            """;

    static final String SELECT_STEPS = """
            SELECT a.id, a.step_key, a.type, extract(epoch FROM a.delay) AS delay_seconds, a.delay_at,
                   n.step_key AS next_key, x.step_key AS no_key, a.condition::text, a.webhook_url, a.webhook_body,
                   a.webhook_batch,
                   (SELECT array_agg(b.to_bucket - b.from_bucket ORDER BY b.position) FROM action_branch b
                    WHERE b.action_id = a.id) AS branch_percents,
                   (SELECT array_agg(bn.step_key ORDER BY b.position) FROM action_branch b
                    LEFT JOIN action bn ON bn.id = b.next_action_id WHERE b.action_id = a.id) AS branch_next
            FROM action a
            LEFT JOIN action n ON n.id = a.next_action_id
            LEFT JOIN action x ON x.id = a.no_action_id
            WHERE a.flow_id = :flowId AND a.removed_in_version IS NULL
            ORDER BY a.position
            """;

    static final String SELECT_ACTIONS = """
            SELECT a.id, a.position, extract(epoch FROM a.delay) AS delay_seconds, a.delay_at, a.status, a.status_reason, a.kind,
                   a.smart_sending, a.on_cap, a.send_window_days, a.send_window_from, a.send_window_to, a.relay,
                   a.template_id,
                   t.version AS template_version
            FROM action a JOIN template t ON t.id = a.template_id
            WHERE a.flow_id = :flowId AND a.removed_in_version IS NULL
            ORDER BY a.position
            """;

    static final String SELECT_STEP_TYPE = "SELECT type FROM action WHERE id = :id";

    /** A flow as an edit finds it: its version, status and every step it ever had. */
    static final String SELECT_CURRENT = """
            SELECT f.version, f.status, a.id, a.step_key, a.type, extract(epoch FROM a.delay) AS delay_seconds,
                   a.delay_at, a.template_id, a.removed_in_version
            FROM flow f LEFT JOIN action a ON a.flow_id = f.id
            WHERE f.id = :id
            """;

    /** The flow row of a new version, only over the version the edit was made from. */
    static final String UPDATE_FLOW_VERSION = """
            UPDATE flow SET name = :name, trigger_metric = :triggerMetric, exit_metrics = :exitMetrics::text[],
                trigger_filter = :triggerFilter::jsonb, profile_filter = :profileFilter::jsonb,
                version = version + 1, updated_at = now()
            WHERE id = :id AND version = :version AND status <> 'ARCHIVED'
            """;

    /**
     * Every step out of the way of the new positions ({@code (flow_id, position)} is
     * unique): each takes minus its id, which no other has.
     */
    static final String FREE_POSITIONS = "UPDATE action SET position = -id WHERE flow_id = :flowId";

    static final String UPDATE_STEP = """
            UPDATE action SET position = :position, delay = make_interval(secs => :delaySeconds), delay_at = :at::time,
                status = :status, kind = :kind, smart_sending = :smartSending, on_cap = :onCap,
                send_window_days = :windowDays::smallint[], send_window_from = :windowFrom::time,
                send_window_to = :windowTo::time, relay = :relay, condition = :condition::jsonb,
                webhook_url = :webhookUrl, webhook_body = :webhookBody, webhook_batch = :webhookBatch,
                removed_in_version = NULL, updated_at = now()
            WHERE id = :id
            """;

    /** A template edit is a new version of it, compiled afresh; the same text stays. */
    static final String UPDATE_TEMPLATE = """
            UPDATE template SET from_address = :from, subject = :subject, body_html = :html, body_text = :text,
                version = version + 1, updated_at = now()
            WHERE id = :id AND (from_address, subject, body_html, body_text)
                               IS DISTINCT FROM (:from, :subject, :html, :text)
            """;

    static final String MARK_REMOVED = """
            UPDATE action SET removed_in_version = :version, updated_at = now()
            WHERE id = ANY(:ids::bigint[])
            """;

    static final String DELETE_BRANCHES = """
            DELETE FROM action_branch WHERE action_id IN (SELECT id FROM action WHERE flow_id = :flowId)
            """;

    static final String INSERT_VERSION = """
            INSERT INTO flow_version (flow_id, version, definition) VALUES (:flowId, :version, :definition::jsonb)
            """;

    static final String SELECT_VERSIONS = """
            SELECT version, definition::text AS definition, created_at FROM flow_version
            WHERE flow_id = :flowId ORDER BY version DESC
            """;

    /** What a preview renders: a step's template or body, and its flow's trigger. */
    static final String SELECT_STEP_CONTENT = """
            SELECT a.id, a.type, a.webhook_body, f.trigger_metric, t.id AS template_id, t.version AS template_version,
                   t.from_address, t.subject, t.body_html, t.body_text
            FROM action a JOIN flow f ON f.id = a.flow_id LEFT JOIN template t ON t.id = a.template_id
            WHERE a.flow_id = :flowId AND a.step_key = :stepKey AND a.removed_in_version IS NULL
            """;

    /** A flow's status, moved only from one of {@code :from}. */
    static final String UPDATE_FLOW_STATUS = """
            UPDATE flow SET status = :status, updated_at = now()
            WHERE id = :id AND status = ANY(:from::text[])
            """;

    static final String SELECT_FLOW_STATUS = "SELECT status FROM flow WHERE id = :id";

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

    private final JsonMapper json;

    FlowRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    long insertFlow(String name, String triggerMetric, List<String> exitMetrics, FlowStatus status,
            String triggerFilter, String profileFilter) {
        return jdbc.sql(INSERT_FLOW)
            .param("triggerFilter", triggerFilter)
            .param("profileFilter", profileFilter)
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

    /**
     * One step's row. A step that sends nothing is LIVE (its flow's status holds it) and
     * carries the defaults of the email controls, which it never uses.
     */
    Optional<Current> current(long flowId) {
        List<Current> rows = new ArrayList<>();
        Map<String, CurrentStep> steps = new java.util.LinkedHashMap<>();
        jdbc.sql(SELECT_CURRENT).param("id", flowId).query((ResultSet rs) -> {
            if (rows.isEmpty()) {
                rows.add(new Current(rs.getInt("version"), FlowStatus.valueOf(rs.getString("status")), steps));
            }
            if (rs.getObject("id") != null) {
                steps.put(rs.getString("step_key"),
                        new CurrentStep(rs.getLong("id"), StepType.valueOf(rs.getString("type")),
                                rs.getBigDecimal("delay_seconds").doubleValue(),
                                rs.getObject("delay_at", LocalTime.class), rs.getObject("template_id", Long.class),
                                rs.getObject("removed_in_version", Integer.class)));
            }
        });
        return rows.stream().findFirst();
    }

    boolean updateFlowVersion(long flowId, int version, String name, String triggerMetric, List<String> exitMetrics,
            String triggerFilter, String profileFilter) {
        return jdbc.sql(UPDATE_FLOW_VERSION)
            .param("id", flowId)
            .param("version", version)
            .param("name", name)
            .param("triggerMetric", triggerMetric)
            .param("exitMetrics", exitMetrics.toArray(String[]::new))
            .param("triggerFilter", triggerFilter)
            .param("profileFilter", profileFilter)
            .update() == 1;
    }

    void freePositions(long flowId) {
        jdbc.sql(FREE_POSITIONS).param("flowId", flowId).update();
    }

    void updateStep(long actionId, int position, FlowGraph.Step step) {
        stepParams(jdbc.sql(UPDATE_STEP), step).param("id", actionId).param("position", position).update();
    }

    /** Whether the template changed, and so has a new version. */
    boolean updateTemplate(long templateId, FlowRequest.Email email) {
        return jdbc.sql(UPDATE_TEMPLATE)
            .param("id", templateId)
            .param("from", email.from().strip())
            .param("subject", email.subject())
            .param("html", email.html())
            .param("text", email.text())
            .update() == 1;
    }

    void markRemoved(List<Long> actionIds, int version) {
        if (!actionIds.isEmpty()) {
            jdbc.sql(MARK_REMOVED).param("ids", actionIds.toArray(Long[]::new)).param("version", version).update();
        }
    }

    void deleteBranches(long flowId) {
        jdbc.sql(DELETE_BRANCHES).param("flowId", flowId).update();
    }

    void insertVersion(long flowId, int version, String definition) {
        jdbc.sql(INSERT_VERSION)
            .param("flowId", flowId)
            .param("version", version)
            .param("definition", definition)
            .update();
    }

    List<FlowVersion> versions(long flowId) {
        return jdbc.sql(SELECT_VERSIONS)
            .param("flowId", flowId)
            .query((rs, row) -> new FlowVersion(rs.getInt("version"),
                    rs.getObject("created_at", java.time.OffsetDateTime.class).toInstant(),
                    tree(rs.getString("definition"))))
            .list();
    }

    long insertStep(long flowId, int position, FlowGraph.Step step, Long templateId) {
        return stepParams(jdbc.sql(INSERT_ACTION), step).param("flowId", flowId)
            .param("position", position)
            .param("stepKey", step.key())
            .param("type", step.type().name())
            .param("templateId", templateId)
            .query(Long.class)
            .single();
    }

    /** A step's own fields, as both inserting and updating it set them. */
    private static JdbcClient.StatementSpec stepParams(JdbcClient.StatementSpec statement, FlowGraph.Step step) {
        FlowGraph.Webhook webhook = step.webhook();
        ActionStatus status = (webhook != null) ? webhook.status() : ActionStatus.LIVE;
        FlowRequest.ActionRequest action = (step.email() != null) ? step.email()
                : new FlowRequest.ActionRequest(step.delay(), status, null, null, null, null, null, step.at(), null);
        SendWindow window = action.sendWindow();
        return statement.param("condition", step.condition())
            .param("webhookUrl", (webhook != null) ? webhook.url().strip() : null)
            .param("webhookBody", (webhook != null) ? webhook.body() : null)
            .param("webhookBatch", webhook != null && webhook.batch())
            .param("delaySeconds", action.delay().toMillis() / 1000.0)
            .param("at", action.at())
            .param("status", action.status().name())
            .param("kind", action.kindOrDefault().name())
            .param("smartSending", (step.email() != null) && action.smartSendingOrDefault())
            .param("onCap", action.onCapOrDefault().name())
            .param("windowDays",
                    (window != null) ? window.days().stream().map(SendDay::iso).toArray(Integer[]::new) : null)
            .param("windowFrom", (window != null) ? window.from() : null)
            .param("windowTo", (window != null) ? window.to() : null)
            .param("relay", action.relay());
    }

    void linkSteps(long flowId, List<FlowGraph.Step> steps) {
        jdbc.sql(LINK_STEPS)
            .param("flowId", flowId)
            .param("keys", steps.stream().map(FlowGraph.Step::key).toArray(String[]::new))
            .param("nextKeys", steps.stream().map(FlowGraph.Step::next).toArray(String[]::new))
            .param("noKeys", steps.stream().map(FlowGraph.Step::no).toArray(String[]::new))
            .update();
        List<String> keys = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<Integer> froms = new ArrayList<>();
        List<Integer> tos = new ArrayList<>();
        List<String> nextKeys = new ArrayList<>();
        for (FlowGraph.Step step : steps) {
            for (int i = 0; i < step.branches().size(); i++) {
                FlowGraph.Branch branch = step.branches().get(i);
                keys.add(step.key());
                positions.add(i + 1);
                froms.add(branch.from());
                tos.add(branch.to());
                nextKeys.add(branch.next());
            }
        }
        if (!keys.isEmpty()) {
            jdbc.sql(INSERT_BRANCHES)
                .param("flowId", flowId)
                .param("keys", keys.toArray(String[]::new))
                .param("positions", positions.toArray(Integer[]::new))
                .param("froms", froms.toArray(Integer[]::new))
                .param("tos", tos.toArray(Integer[]::new))
                .param("nextKeys", nextKeys.toArray(String[]::new))
                .update();
        }
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
        List<FlowView.Step> steps = jdbc.sql(SELECT_STEPS).param("flowId", id).query((rs, row) -> step(rs)).list();
        return jdbc.sql(SELECT_FLOW)
            .param("id", id)
            .query((rs, row) -> new FlowView(rs.getLong("id"), rs.getString("name"), rs.getString("trigger_metric"),
                    textArray(rs, "exit_metrics"), FlowStatus.valueOf(rs.getString("status")),
                    tree(rs.getString("trigger_filter")), tree(rs.getString("profile_filter")), actions, steps))
            .optional();
    }

    boolean updateFlowStatus(long flowId, FlowStatus status, java.util.Set<FlowStatus> from) {
        return jdbc.sql(UPDATE_FLOW_STATUS)
            .param("id", flowId)
            .param("status", status.name())
            .param("from", from.stream().map(FlowStatus::name).toArray(String[]::new))
            .update() == 1;
    }

    Optional<FlowStatus> findFlowStatus(long flowId) {
        return jdbc.sql(SELECT_FLOW_STATUS).param("id", flowId).query(String.class).optional().map(FlowStatus::valueOf);
    }

    Optional<StepContent> findStepContent(long flowId, String stepKey) {
        return jdbc.sql(SELECT_STEP_CONTENT).param("flowId", flowId).param("stepKey", stepKey).query((rs, row) -> {
            StepType type = StepType.valueOf(rs.getString("type"));
            return new StepContent(rs.getLong("id"), type, rs.getString("trigger_metric"),
                    (type == StepType.EMAIL) ? new TemplateRef(rs.getLong("template_id"), rs.getInt("template_version"))
                            : null,
                    (type == StepType.EMAIL) ? new EmailContent(rs.getString("from_address"), rs.getString("subject"),
                            rs.getString("body_html"), rs.getString("body_text")) : null,
                    rs.getString("webhook_body"));
        }).optional();
    }

    Optional<StepType> findStepType(long actionId) {
        return jdbc.sql(SELECT_STEP_TYPE).param("id", actionId).query(String.class).optional().map(StepType::valueOf);
    }

    Optional<Long> findFlowIdByName(String name) {
        return jdbc.sql(SELECT_FLOW_ID_BY_NAME).param("name", name).query(Long.class).optional();
    }

    boolean updateActionStatus(long actionId, ActionStatus status) {
        return jdbc.sql(UPDATE_ACTION_STATUS).param("id", actionId).param("status", status.name()).update() == 1;
    }

    private FlowView.Step step(ResultSet rs) throws SQLException {
        StepType type = StepType.valueOf(rs.getString("type"));
        boolean split = type == StepType.SPLIT;
        List<FlowView.Branch> branches = null;
        if (type == StepType.RANDOM) {
            Integer[] percents = (Integer[]) rs.getArray("branch_percents").getArray();
            String[] next = (String[]) rs.getArray("branch_next").getArray();
            branches = new ArrayList<>();
            for (int i = 0; i < percents.length; i++) {
                branches.add(new FlowView.Branch(percents[i], next[i]));
            }
        }
        Duration delay = Duration
            .ofMillis(rs.getBigDecimal("delay_seconds").multiply(BigDecimal.valueOf(1000)).longValue());
        return new FlowView.Step(rs.getString("step_key"), type, rs.getLong("id"),
                (type == StepType.DELAY || !delay.isZero()) ? delay : null, rs.getObject("delay_at", LocalTime.class),
                split ? null : rs.getString("next_key"), split ? rs.getString("next_key") : null,
                rs.getString("no_key"), tree(rs.getString("condition")), branches, rs.getString("webhook_url"),
                rs.getString("webhook_body"), (type == StepType.WEBHOOK) ? rs.getBoolean("webhook_batch") : null);
    }

    private JsonNode tree(String json) {
        return (json != null) ? this.json.readTree(json) : null;
    }

    /** A flow as an edit finds it; {@code steps} by id, removed ones included. */
    record Current(int version, FlowStatus status, Map<String, CurrentStep> steps) {
    }

    /**
     * A step an edit may keep, change or remove.
     *
     * @param removedInVersion the version that removed it, or null while it is in the
     * flow
     */
    record CurrentStep(long id, StepType type, double delaySeconds, LocalTime at, Long templateId,
            Integer removedInVersion) {
    }

    /** A step as a preview renders it: an email's template, or a webhook's body. */
    record StepContent(long actionId, StepType type, String triggerMetric, TemplateRef template, EmailContent email,
            String webhookBody) {
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
