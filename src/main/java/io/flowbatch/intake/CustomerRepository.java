package io.flowbatch.intake;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Customers, written in bulk: one statement per request, whatever its size. */
@Repository
class CustomerRepository {

    /**
     * Upsert by email. Absent names and time zone keep their stored values; properties
     * merge. {@code xmax = 0} tells a row this statement inserted from one it updated.
     */
    static final String UPSERT = """
            WITH input AS (
                SELECT * FROM unnest(:emails::text[], :firstNames::text[], :lastNames::text[], :timezones::text[],
                                     :properties::text[]) AS i(email, first_name, last_name, timezone, properties)
            ), upserted AS (
                INSERT INTO customer AS c (email, first_name, last_name, timezone, properties)
                SELECT email, first_name, last_name, timezone, properties::jsonb FROM input
                ON CONFLICT (email) DO UPDATE SET
                    first_name = COALESCE(EXCLUDED.first_name, c.first_name),
                    last_name = COALESCE(EXCLUDED.last_name, c.last_name),
                    timezone = COALESCE(EXCLUDED.timezone, c.timezone),
                    properties = c.properties || EXCLUDED.properties,
                    updated_at = now()
                RETURNING (xmax = 0) AS created
            )
            SELECT count(*) FILTER (WHERE created) AS created, count(*) FILTER (WHERE NOT created) AS updated
            FROM upserted
            """;

    /**
     * Ids for emails, creating the customers that do not exist. The second branch cannot
     * see the rows the first inserts (one snapshot), so no customer comes back twice.
     */
    static final String ENSURE = """
            WITH wanted AS (
                SELECT DISTINCT email FROM unnest(:emails::text[]) AS w(email)
            ), inserted AS (
                INSERT INTO customer (email) SELECT email FROM wanted ORDER BY email
                ON CONFLICT (email) DO NOTHING
                RETURNING id, email
            )
            SELECT id, email FROM inserted
            UNION ALL
            SELECT c.id, c.email FROM customer c JOIN wanted w ON w.email = c.email
            """;

    /**
     * For emails a concurrent request inserted after {@link #ENSURE} took its snapshot.
     */
    static final String SELECT_IDS = "SELECT id, email FROM customer WHERE email = ANY(:emails::text[])";

    private final JdbcClient jdbc;

    CustomerRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    CustomersUpserted upsert(List<CustomerRow> rows) {
        return jdbc.sql(UPSERT)
            .param("emails", rows.stream().map(CustomerRow::email).toArray(String[]::new))
            .param("firstNames", rows.stream().map(CustomerRow::firstName).toArray(String[]::new))
            .param("lastNames", rows.stream().map(CustomerRow::lastName).toArray(String[]::new))
            .param("timezones", rows.stream().map(CustomerRow::timezone).toArray(String[]::new))
            .param("properties", rows.stream().map(CustomerRow::propertiesJson).toArray(String[]::new))
            .query((rs, row) -> new CustomersUpserted(rs.getLong("created"), rs.getLong("updated")))
            .single();
    }

    Map<String, Long> ensure(Collection<String> emails) {
        Map<String, Long> ids = new HashMap<>(emails.size() * 2);
        collect(ENSURE, emails, ids);
        if (ids.size() < emails.size()) {
            collect(SELECT_IDS, emails.stream().filter((email) -> !ids.containsKey(email)).toList(), ids);
        }
        return ids;
    }

    private void collect(String sql, Collection<String> emails, Map<String, Long> into) {
        jdbc.sql(sql).param("emails", emails.toArray(String[]::new)).query((rs) -> {
            into.put(rs.getString("email"), rs.getLong("id"));
        });
    }

    /** A customer ready to write: email normalized, properties as JSON. */
    record CustomerRow(String email, String firstName, String lastName, String timezone, String propertiesJson) {
    }

}
