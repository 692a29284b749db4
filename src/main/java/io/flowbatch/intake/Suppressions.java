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
     * What a suppression does to an address already on the list: one in force keeps the
     * time it began; one for good is never shortened by a temporary one.
     */
    private static final String ON_CONFLICT = """
            ON CONFLICT (email) DO UPDATE SET
                suppressed_at = CASE WHEN %1$s THEN c.suppressed_at ELSE now() END,
                suppressed_until = CASE WHEN %2$s THEN NULL ELSE excluded.suppressed_until END,
                suppression_reason = CASE WHEN %2$s THEN c.suppression_reason ELSE excluded.suppression_reason END,
                updated_at = now()
            """.formatted(IN_FORCE,
            "(c.suppressed_at IS NOT NULL AND c.suppressed_until IS NULL AND excluded.suppressed_until IS NOT NULL)");

    /** Suppresses until {@code :until} (null: for good). */
    static final String SUPPRESS = """
            INSERT INTO customer AS c (email, suppressed_at, suppressed_until, suppression_reason)
            VALUES (:email, now(), CAST(:until AS timestamptz), :reason)
            """ + ON_CONFLICT + "RETURNING c.email, c.suppression_reason, c.suppressed_at, c.suppressed_until";

    /**
     * Many addresses for good, each with its reason, in one statement (an import); an
     * address given twice takes its first reason.
     */
    static final String SUPPRESS_ALL = """
            INSERT INTO customer AS c (email, suppressed_at, suppressed_until, suppression_reason)
            SELECT DISTINCT ON (x.email) x.email, now(), CAST(NULL AS timestamptz), x.reason
            FROM unnest(:emails::text[], :reasons::text[]) WITH ORDINALITY AS x(email, reason, n)
            ORDER BY x.email, x.n
            ON CONFLICT (email) DO UPDATE SET
                suppressed_at = CASE WHEN %1$s THEN c.suppressed_at ELSE now() END,
                suppressed_until = NULL,
                suppression_reason = CASE WHEN %2$s THEN c.suppression_reason ELSE excluded.suppression_reason END,
                updated_at = now()
            """.formatted(IN_FORCE, "(c.suppressed_at IS NOT NULL AND c.suppressed_until IS NULL)");

    static final String UNSUPPRESS = """
            UPDATE customer c SET suppressed_at = NULL, suppressed_until = NULL, suppression_reason = NULL, updated_at = now()
            WHERE email = :email AND %s
            """
        .formatted(IN_FORCE);

    /**
     * The suppressions in force that a search narrows to: addresses containing
     * {@code :email}, reasons containing {@code :reason} (in any case), suppressed since
     * {@code :since}; each null for any.
     */
    private static final String LISTED = """
            FROM customer c
            WHERE %s AND (CAST(:email AS text) IS NULL OR strpos(email, :email) > 0)
              AND (CAST(:reason AS text) IS NULL OR strpos(lower(suppression_reason), lower(:reason)) > 0)
              AND (CAST(:since AS timestamptz) IS NULL OR suppressed_at >= CAST(:since AS timestamptz))
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
     * What a search of the list narrows to; a null field narrows nothing.
     *
     * @param email part of the address
     * @param reason part of the reason, in any case
     * @param since suppressed at or after
     */
    public record Search(String email, String reason, Instant since) {

        public static final Search ALL = new Search(null, null, null);

    }

    /** A page of the list, newest first. */
    public List<Suppression> page(Search search, int page, int size) {
        return searched(jdbc.sql(PAGE), search).param("limit", size)
            .param("offset", (long) page * size)
            .query(Suppressions::suppression)
            .list();
    }

    public long count(Search search) {
        return searched(jdbc.sql(COUNT), search).query(Long.class).single();
    }

    /**
     * Suppresses every address for good with its reason, in one statement; returns how
     * many rows it wrote (an address already suppressed for good keeps its reason).
     */
    public int suppressAll(List<String> emails, List<String> reasons) {
        if (emails.isEmpty()) {
            return 0;
        }
        return jdbc.sql(SUPPRESS_ALL)
            .param("emails", emails.stream().map(Suppressions::normalize).toArray(String[]::new))
            .param("reasons", reasons.toArray(String[]::new))
            .update();
    }

    private static JdbcClient.StatementSpec searched(JdbcClient.StatementSpec statement, Search search) {
        return statement.param("email", (search.email() != null) ? normalize(search.email()) : null)
            .param("reason", search.reason())
            .param("since", (search.since() != null) ? Timestamp.from(search.since()) : null);
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
