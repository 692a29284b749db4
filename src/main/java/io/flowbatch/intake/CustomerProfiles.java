package io.flowbatch.intake;

import java.util.Map;
import java.util.Optional;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * One customer as a template sees them, found by email, with the properties of their
 * latest event of a metric: what a preview renders a step for.
 */
@Repository
public class CustomerProfiles {

    static final String PROFILE = """
            SELECT c.id, c.email, c.first_name, c.last_name, c.properties::text AS properties,
                   (SELECT e.properties::text FROM event e WHERE e.customer_id = c.id AND e.metric = :metric
                    ORDER BY e.occurred_at DESC LIMIT 1) AS event_properties
            FROM customer c WHERE c.email = :email
            """;

    private static final TypeReference<Map<String, Object>> PROPERTIES = new TypeReference<>() {
    };

    private final JdbcClient jdbc;

    private final JsonMapper json;

    CustomerProfiles(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** The customer with this email (trimmed, any case), or none. */
    public Optional<Profile> find(String email, String metric) {
        return jdbc.sql(PROFILE)
            .param("email", IntakeService.normalizeEmail(email))
            .param("metric", metric)
            .query((rs, row) -> new Profile(rs.getLong("id"), rs.getString("email"), rs.getString("first_name"),
                    rs.getString("last_name"), properties(rs.getString("properties")),
                    properties(rs.getString("event_properties"))))
            .optional();
    }

    private Map<String, Object> properties(String text) {
        return (text == null) ? Map.of() : json.readValue(text, PROPERTIES);
    }

    /**
     * A customer and their latest event's properties (empty when they have none of the
     * metric).
     */
    public record Profile(long id, String email, String firstName, String lastName, Map<String, Object> properties,
            Map<String, Object> eventProperties) {
    }

}
