package io.flowbatch.execution;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.flowbatch.condition.CompiledConditions;
import io.flowbatch.condition.ConditionSql;
import io.flowbatch.delivery.EmailContent;
import io.flowbatch.delivery.TemplateRef;
import io.flowbatch.evaluation.ClaimedEvaluation;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What the processor needs for a whole chunk, in three statements whatever its size: the
 * action with its template, the customers and triggering events with the profile filter,
 * and the exit metrics. This is the write-up's fix for N+1 queries.
 */
@Repository
class ChunkLoader {

    static final String ACTION = """
            SELECT a.id, a.status, f.status AS flow_status, a.removed_in_version IS NOT NULL AS removed, a.kind, a.smart_sending, a.on_cap, a.relay, f.exit_metrics,
                   f.profile_filter::text AS profile_filter, a.webhook_url, a.webhook_body, a.webhook_batch,
                   t.id AS template_id, t.version AS template_version,
                   t.from_address, t.subject, t.body_html, t.body_text
            FROM action a
            JOIN flow f ON f.id = a.flow_id
            LEFT JOIN template t ON t.id = a.template_id
            WHERE a.id = :actionId
            """;

    /**
     * Each evaluation's customer and event, and whether the customer meets the flow's
     * profile filter ({@code %s}, compiled into the statement). {@code suppressed} is the
     * suppression in force now (one that ended, after soft bounces, no longer counts), as
     * intake's suppression list defines it.
     */
    static final String RECIPIENTS = """
            SELECT x.evaluation_id, c.id IS NOT NULL AS customer_found, c.email, c.first_name, c.last_name,
                   c.properties::text AS customer_properties, c.subscription,
                   c.suppressed_at IS NOT NULL AND (c.suppressed_until IS NULL OR c.suppressed_until > now()) AS suppressed,
                   c.suppression_reason, ev.properties::text AS event_properties, %s AS profile_met
            FROM unnest(:evaluationIds::bigint[], :customerIds::bigint[], :eventIds::bigint[], :startedAt::timestamptz[])
                AS x(evaluation_id, customer_id, event_id, started_at)
            LEFT JOIN customer c ON c.id = x.customer_id
            LEFT JOIN event ev ON ev.id = x.event_id
            """;

    /** The rows a profile filter reads, as {@link #RECIPIENTS} names them. */
    static final ConditionSql.Scope PROFILE_SCOPE = new ConditionSql.Scope("c", "ev", "x.started_at", "now()",
            "profile_");

    /**
     * The flow filter: evaluations whose customer did an exit metric since the flow
     * started.
     */
    static final String EXITED = """
            SELECT x.evaluation_id, hit.metric
            FROM unnest(:evaluationIds::bigint[], :customerIds::bigint[], :startedAt::timestamptz[])
                AS x(evaluation_id, customer_id, started_at)
            CROSS JOIN LATERAL (
                SELECT e.metric FROM event e
                WHERE e.customer_id = x.customer_id AND e.metric = ANY(:exitMetrics::text[])
                  AND e.occurred_at >= x.started_at
                LIMIT 1
            ) hit
            """;

    private static final TypeReference<Map<String, Object>> PROPERTIES = new TypeReference<>() {
    };

    private final JdbcClient jdbc;

    private final JsonMapper json;

    private final CompiledConditions conditions;

    private final Map<String, String> recipientStatements = new ConcurrentHashMap<>();

    ChunkLoader(JdbcClient jdbc, JsonMapper json, CompiledConditions conditions) {
        this.jdbc = jdbc;
        this.json = json;
        this.conditions = conditions;
    }

    ActionSnapshot action(long actionId) {
        return jdbc.sql(ACTION).param("actionId", actionId).query((rs, row) -> {
            return new ActionSnapshot(rs.getLong("id"), rs.getString("status"), rs.getString("flow_status"),
                    rs.getBoolean("removed"), "TRANSACTIONAL".equals(rs.getString("kind")),
                    rs.getBoolean("smart_sending"), "DEFER".equals(rs.getString("on_cap")), rs.getString("relay"),
                    textArray(rs, "exit_metrics"), rs.getString("profile_filter"),
                    (rs.getString("webhook_url") != null) ? new Webhook(rs.getString("webhook_url"),
                            rs.getString("webhook_body"), rs.getBoolean("webhook_batch")) : null,
                    new TemplateRef(rs.getLong("template_id"), rs.getInt("template_version")),
                    new EmailContent(rs.getString("from_address"), rs.getString("subject"), rs.getString("body_html"),
                            rs.getString("body_text")));
        }).optional().orElseThrow(() -> new IllegalStateException("Action " + actionId + " no longer exists"));
    }

    Map<Long, Recipient> recipients(List<ClaimedEvaluation> evaluations, String profileFilter) {
        Map<Long, Recipient> recipients = new HashMap<>(evaluations.size() * 2);
        ConditionSql.Predicate profile = conditions.predicate(profileFilter, PROFILE_SCOPE);
        jdbc.sql(recipientStatements.computeIfAbsent(profile.sql(), RECIPIENTS::formatted))
            .params(profile.params())
            .param("startedAt", evaluations.stream().map((e) -> e.flowStartedAt().toString()).toArray(String[]::new))
            .param("evaluationIds", evaluations.stream().map(ClaimedEvaluation::id).toArray(Long[]::new))
            .param("customerIds", evaluations.stream().map(ClaimedEvaluation::customerId).toArray(Long[]::new))
            .param("eventIds", evaluations.stream().map(ClaimedEvaluation::eventId).toArray(Long[]::new))
            .query((ResultSet rs) -> {
                long evaluationId = rs.getLong("evaluation_id");
                recipients.put(evaluationId,
                        rs.getBoolean("customer_found")
                                ? new Recipient(rs.getString("email"), rs.getString("first_name"),
                                        rs.getString("last_name"), properties(rs.getString("customer_properties")),
                                        "SUBSCRIBED".equals(rs.getString("subscription")), rs.getBoolean("suppressed"),
                                        rs.getString("suppression_reason"),
                                        properties(rs.getString("event_properties")), rs.getBoolean("profile_met"))
                                : null);
            });
        return recipients;
    }

    /**
     * Exit metric done since the flow started, per evaluation; none when the flow has no
     * exit metrics.
     */
    Map<Long, String> exited(List<ClaimedEvaluation> evaluations, List<String> exitMetrics) {
        Map<Long, String> exited = new HashMap<>();
        if (exitMetrics.isEmpty()) {
            return exited;
        }
        jdbc.sql(EXITED)
            .param("evaluationIds", evaluations.stream().map(ClaimedEvaluation::id).toArray(Long[]::new))
            .param("customerIds", evaluations.stream().map(ClaimedEvaluation::customerId).toArray(Long[]::new))
            .param("startedAt", evaluations.stream().map((e) -> e.flowStartedAt().toString()).toArray(String[]::new))
            .param("exitMetrics", exitMetrics.toArray(String[]::new))
            .query((ResultSet rs) -> {
                exited.put(rs.getLong("evaluation_id"), rs.getString("metric"));
            });
        return exited;
    }

    private Map<String, Object> properties(String text) {
        return (text == null || text.isEmpty()) ? Map.of() : json.readValue(text, PROPERTIES);
    }

    private static List<String> textArray(ResultSet rs, String column) throws SQLException {
        Array array = rs.getArray(column);
        return (array != null) ? Arrays.asList((String[]) array.getArray()) : List.of();
    }

    /**
     * An action as it is now, with what executing it needs.
     *
     * @param flowStatus its flow's ({@code REMOVED} for a step an edit removed): a chunk
     * of a flow paused or archived, or of a step removed, since it was buffered sends
     * nothing
     * @param transactional its email goes to unsubscribed customers too, without
     * unsubscribe headers, and passes no marketing control
     * @param smartSending a marketing action skips customers sent marketing within the
     * smart-sending window
     * @param deferOnCap a marketing action defers, rather than skips, customers at a
     * frequency cap
     * @param relay the relay its mail leaves through; null for {@code default}
     * @param profileFilter its flow's profile filter as stored; null for none
     * @param webhook a webhook step's request; null for an email action (whose template
     * and content are then the email's)
     */
    record ActionSnapshot(long id, String status, String flowStatus, boolean removed, boolean transactional,
            boolean smartSending, boolean deferOnCap, String relay, List<String> exitMetrics, String profileFilter,
            Webhook webhook, TemplateRef template, EmailContent content) {
    }

    /**
     * A webhook step's request.
     *
     * @param body its body template
     * @param batch whether its endpoint takes the whole chunk in one request
     */
    record Webhook(String url, String body, boolean batch) {
    }

    /**
     * The customer of one evaluation and the properties of its triggering event.
     *
     * @param profileMet whether the customer meets the flow's profile filter (true when
     * it has none)
     */
    record Recipient(String email, String firstName, String lastName, Map<String, Object> properties,
            boolean subscribed, boolean suppressed, String suppressionReason, Map<String, Object> eventProperties,
            boolean profileMet) {

        String fullName() {
            String name = ((firstName != null) ? firstName : "") + " " + ((lastName != null) ? lastName : "");
            return name.isBlank() ? null : name.strip();
        }

    }

}
