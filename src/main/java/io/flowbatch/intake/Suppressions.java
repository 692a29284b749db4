package io.flowbatch.intake;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
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

    /** Whether the customer row {@code c} is suppressed now. */
    static final String IN_FORCE = "(c.suppressed_at IS NOT NULL AND (c.suppressed_until IS NULL OR c.suppressed_until > now()))";

    /**
     * Suppresses until {@code :until} (null: for good). A suppression in force keeps the
     * time it began; one for good is never shortened by a temporary one.
     */
    static final String SUPPRESS = """
            INSERT INTO customer AS c (email, suppressed_at, suppressed_until, suppression_reason)
            VALUES (:email, now(), CAST(:until AS timestamptz), :reason)
            ON CONFLICT (email) DO UPDATE SET
                suppressed_at = CASE WHEN %1$s THEN c.suppressed_at ELSE now() END,
                suppressed_until = CASE WHEN %2$s THEN NULL ELSE excluded.suppressed_until END,
                suppression_reason = CASE WHEN %2$s THEN c.suppression_reason ELSE excluded.suppression_reason END,
                updated_at = now()
            RETURNING c.email, c.suppression_reason, c.suppressed_at, c.suppressed_until
            """.formatted(IN_FORCE,
            "(c.suppressed_at IS NOT NULL AND c.suppressed_until IS NULL AND excluded.suppressed_until IS NOT NULL)");

    static final String UNSUPPRESS = """
            UPDATE customer c SET suppressed_at = NULL, suppressed_until = NULL, suppression_reason = NULL, updated_at = now()
            WHERE email = :email AND %s
            """
        .formatted(IN_FORCE);

    /**
     * The suppressions in force that {@code :email} narrows to (addresses containing it).
     */
    private static final String LISTED = """
            FROM customer c
            WHERE %s AND (CAST(:email AS text) IS NULL OR strpos(email, :email) > 0)
            """.formatted(IN_FORCE);

    /** Newest first. */
    static final String PAGE = "SELECT email, suppression_reason, suppressed_at, suppressed_until " + LISTED
            + "ORDER BY suppressed_at DESC, id DESC LIMIT :limit OFFSET :offset";

    static final String COUNT = "SELECT count(*) " + LISTED;

    private final JdbcClient jdbc;

    Suppressions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * One suppressed address.
     *
     * @param until when it ends; null: for good
     */
    public record Suppression(String email, String reason, Instant suppressedAt, Instant until) {
    }

    /**
     * Suppresses the address for good with the reason (a second time keeps the first time
     * and takes the new reason).
     */
    public Suppression suppress(String email, String reason) {
        return suppress(email, reason, null);
    }

    /**
     * Suppresses the address until {@code until} (null: for good); an address suppressed
     * for good stays so, with its reason.
     */
    public Suppression suppress(String email, String reason, Instant until) {
        return jdbc.sql(SUPPRESS)
            .param("email", normalize(email))
            .param("reason", reason)
            .param("until", (until != null) ? Timestamp.from(until) : null)
            .query(Suppressions::suppression)
            .single();
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
        Timestamp until = rs.getTimestamp("suppressed_until");
        return new Suppression(rs.getString("email"), rs.getString("suppression_reason"),
                rs.getTimestamp("suppressed_at").toInstant(), (until != null) ? until.toInstant() : null);
    }

    private static String normalize(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }

}
