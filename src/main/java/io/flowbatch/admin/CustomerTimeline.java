package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * One customer on one page, to answer "why didn't jane@example.com get the email?": their
 * properties and consent, their events (newest first, paged), every evaluation with its
 * flow, step, state, reason and times, and every message with its Message-ID, the relay's
 * reply and any later bounce or complaint. Five statements, each by index.
 */
@Component
class CustomerTimeline {

    static final String CUSTOMER = """
            SELECT id, email, first_name, last_name, timezone, properties::text AS properties, subscription,
                   unsubscribed_at, suppressed_at, suppressed_until, suppression_reason, created_at
            FROM customer WHERE email = :email
            """;

    static final String EVENTS = """
            SELECT id, metric, properties::text AS properties, occurred_at, unique_id
            FROM event WHERE customer_id = :customerId
            ORDER BY occurred_at DESC, id DESC
            LIMIT :limit OFFSET :offset
            """;

    static final String EVENT_COUNT = "SELECT count(*) FROM event WHERE customer_id = :customerId";

    /**
     * The newest evaluations first; a customer in thousands of flows shows the latest.
     */
    static final String EVALUATIONS = """
            SELECT e.id, f.id AS flow_id, f.name AS flow_name, a.id AS action_id, a.step_key, a.type, e.state,
                   e.reason, e.attempts, e.created_at, e.due_at, e.updated_at
            FROM evaluation e JOIN action a ON a.id = e.action_id JOIN flow f ON f.id = a.flow_id
            WHERE e.customer_id = :customerId
            ORDER BY e.created_at DESC, e.id DESC
            LIMIT :limit
            """;

    static final String MESSAGES = """
            SELECT d.evaluation_id, d.message_id, d.recipient, d.sent_at, d.smtp_reply, e.state,
                   (SELECT string_agg(de.type || COALESCE(': ' || de.diagnostic, ''), '; ' ORDER BY de.received_at)
                    FROM delivery_event de WHERE de.evaluation_id = d.evaluation_id AND de.rejected IS NULL) AS later
            FROM evaluation e JOIN delivery_log d ON d.evaluation_id = e.id
            WHERE e.customer_id = :customerId
            ORDER BY d.sent_at DESC
            LIMIT :limit
            """;

    static final int MAX_EVALUATIONS = 200;

    private final JdbcClient jdbc;

    private final JsonMapper json;

    CustomerTimeline(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    Optional<Timeline> of(String email, int page, int size) {
        Optional<Customer> found = jdbc.sql(CUSTOMER)
            .param("email", email.strip().toLowerCase(Locale.ROOT))
            .query((rs, row) -> customer(rs))
            .optional();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Customer customer = found.get();
        List<Event> events = jdbc.sql(EVENTS)
            .param("customerId", customer.id())
            .param("limit", size)
            .param("offset", (long) page * size)
            .query((rs, row) -> new Event(rs.getLong("id"), rs.getString("metric"), tree(rs.getString("properties")),
                    instant(rs, "occurred_at"), rs.getString("unique_id")))
            .list();
        long eventCount = jdbc.sql(EVENT_COUNT).param("customerId", customer.id()).query(Long.class).single();
        List<Evaluation> evaluations = jdbc.sql(EVALUATIONS)
            .param("customerId", customer.id())
            .param("limit", MAX_EVALUATIONS)
            .query((rs, row) -> new Evaluation(rs.getLong("id"), rs.getLong("flow_id"), rs.getString("flow_name"),
                    rs.getLong("action_id"), rs.getString("step_key"), rs.getString("type"), rs.getString("state"),
                    rs.getString("reason"), rs.getInt("attempts"), instant(rs, "created_at"), instant(rs, "due_at"),
                    instant(rs, "updated_at")))
            .list();
        List<Message> messages = jdbc.sql(MESSAGES)
            .param("customerId", customer.id())
            .param("limit", MAX_EVALUATIONS)
            .query((rs, row) -> new Message(rs.getLong("evaluation_id"), rs.getString("message_id"),
                    rs.getString("recipient"), instant(rs, "sent_at"), rs.getString("smtp_reply"),
                    rs.getString("state"), rs.getString("later")))
            .list();
        return Optional.of(new Timeline(customer, new Events(page, size, eventCount, events), evaluations, messages));
    }

    private Customer customer(ResultSet rs) throws SQLException {
        Instant suppressedAt = instant(rs, "suppressed_at");
        Instant suppressedUntil = instant(rs, "suppressed_until");
        boolean suppressed = suppressedAt != null
                && (suppressedUntil == null || suppressedUntil.isAfter(Instant.now()));
        return new Customer(rs.getLong("id"), rs.getString("email"), rs.getString("first_name"),
                rs.getString("last_name"), rs.getString("timezone"), tree(rs.getString("properties")),
                rs.getString("subscription"), instant(rs, "unsubscribed_at"), suppressed, suppressedAt, suppressedUntil,
                rs.getString("suppression_reason"), instant(rs, "created_at"));
    }

    private JsonNode tree(String text) {
        return (text != null) ? json.readTree(text) : null;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return (time != null) ? time.toInstant() : null;
    }

    /** Everything the page and {@code GET /api/admin/customers?email=} show. */
    record Timeline(Customer customer, Events events, List<Evaluation> evaluations, List<Message> messages) {
    }

    /**
     * The customer and their consent.
     *
     * @param suppressed whether a suppression holds now (one that ended does not)
     */
    record Customer(long id, String email, String firstName, String lastName, String timezone, JsonNode properties,
            String subscription, Instant unsubscribedAt, boolean suppressed, Instant suppressedAt,
            Instant suppressedUntil, String suppressionReason, Instant createdAt) {
    }

    /** A page of the customer's events, newest first. */
    record Events(int page, int size, long total, List<Event> items) {
    }

    record Event(long id, String metric, JsonNode properties, Instant occurredAt, String uniqueId) {
    }

    /** One evaluation: where it is in which flow, and why. */
    record Evaluation(long id, long flowId, String flowName, long actionId, String step, String type, String state,
            String reason, int attempts, Instant createdAt, Instant dueAt, Instant updatedAt) {
    }

    /**
     * One message (or webhook call) the relay took, and what came of it later.
     *
     * @param later the bounces and complaints it drew, in order; null for none
     */
    record Message(long evaluationId, String messageId, String recipient, Instant sentAt, String reply, String state,
            String later) {
    }

}
