package io.flowbatch.intake;

import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** A customer's consent to marketing mail, as an unsubscribe link changes it. */
@Repository
public class Subscriptions {

    static final String UNSUBSCRIBE = """
            UPDATE customer SET subscription = 'UNSUBSCRIBED', unsubscribed_at = COALESCE(unsubscribed_at, now()),
                                updated_at = now()
            WHERE id = :id
            """;

    static final String UNSUBSCRIBE_EMAIL = """
            UPDATE customer SET subscription = 'UNSUBSCRIBED', unsubscribed_at = COALESCE(unsubscribed_at, now()),
                                updated_at = now()
            WHERE email = :email
            """;

    static final String SELECT_EMAIL = "SELECT email FROM customer WHERE id = :id";

    private final JdbcClient jdbc;

    Subscriptions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The customer's address, or empty when no such customer exists. */
    public Optional<String> email(long customerId) {
        return jdbc.sql(SELECT_EMAIL).param("id", customerId).query(String.class).optional();
    }

    /**
     * Unsubscribes the customer (again is harmless: the first time is kept); false when
     * no such customer exists.
     */
    public boolean unsubscribe(long customerId) {
        return jdbc.sql(UNSUBSCRIBE).param("id", customerId).update() == 1;
    }

    /**
     * Unsubscribes the customer with this (normalized) address; false when none has it.
     */
    public boolean unsubscribe(String email) {
        return jdbc.sql(UNSUBSCRIBE_EMAIL).param("email", email).update() == 1;
    }

}
