package io.flowbatch.intake;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The suppression list: addresses never mailed again, not even transactional mail, kept
 * on the customer ({@code customer.suppressed_at}, {@code suppression_reason}). An
 * address suppressed before it was a customer becomes one, so that a later event for it
 * finds it suppressed.
 */
@Repository
public class Suppressions {

    static final String SUPPRESS = """
            INSERT INTO customer AS c (email, suppressed_at, suppression_reason)
            VALUES (:email, now(), :reason)
            ON CONFLICT (email) DO UPDATE SET suppressed_at = COALESCE(c.suppressed_at, now()),
                suppression_reason = excluded.suppression_reason, updated_at = now()
            RETURNING c.suppressed_at
            """;

    static final String UNSUPPRESS = """
            UPDATE customer SET suppressed_at = NULL, suppression_reason = NULL, updated_at = now()
            WHERE email = :email AND suppressed_at IS NOT NULL
            """;

    /** Newest first; {@code :email} narrows to addresses that contain it. */
    static final String PAGE = """
            SELECT email, suppression_reason, suppressed_at FROM customer
            WHERE suppressed_at IS NOT NULL AND (CAST(:email AS text) IS NULL OR strpos(email, :email) > 0)
            ORDER BY suppressed_at DESC, id DESC
            LIMIT :limit OFFSET :offset
            """;

    static final String COUNT = """
            SELECT count(*) FROM customer
            WHERE suppressed_at IS NOT NULL AND (CAST(:email AS text) IS NULL OR strpos(email, :email) > 0)
            """;

    private final JdbcClient jdbc;

    Suppressions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One suppressed address. */
    public record Suppression(String email, String reason, Instant suppressedAt) {
    }

    /**
     * Suppresses the address with the reason (a second time keeps the first time and
     * takes the new reason).
     */
    public Suppression suppress(String email, String reason) {
        String address = normalize(email);
        Instant at = jdbc.sql(SUPPRESS)
            .param("email", address)
            .param("reason", reason)
            .query((rs, row) -> rs.getTimestamp(1).toInstant())
            .single();
        return new Suppression(address, reason, at);
    }

    /** Mails the address again; false when it was not suppressed. */
    public boolean remove(String email) {
        return jdbc.sql(UNSUPPRESS).param("email", normalize(email)).update() == 1;
    }

    /**
     * A page of the list, newest first, narrowed to addresses containing {@code email}.
     */
    public List<Suppression> page(String email, int page, int size) {
        return jdbc.sql(PAGE)
            .param("email", (email != null) ? normalize(email) : null)
            .param("limit", size)
            .param("offset", (long) page * size)
            .query(Suppressions::suppression)
            .list();
    }

    public long count(String email) {
        return jdbc.sql(COUNT).param("email", (email != null) ? normalize(email) : null).query(Long.class).single();
    }

    private static Suppression suppression(ResultSet rs, int row) throws SQLException {
        return new Suppression(rs.getString("email"), rs.getString("suppression_reason"),
                rs.getTimestamp("suppressed_at").toInstant());
    }

    private static String normalize(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }

}
