package io.flowbatch.support;

import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A top-of-the-hour spike for the suites that need many due evaluations at once (the
 * benchmark, the crash suite): N customers, one checkout event each and one evaluation
 * each, spread over the given actions and all due a minute ago, in three set-based
 * statements (seconds for a million).
 */
public final class Spike {

    static final String SEED_CUSTOMERS = """
            INSERT INTO customer (email, first_name, last_name, properties)
            SELECT 'bench' || g || '@example.com', 'First' || g, 'Last' || g, jsonb_build_object('tier', 'gold', 'n', g)
            FROM generate_series(1, :n) g
            """;

    static final String SEED_EVENTS = """
            INSERT INTO event (customer_id, metric, properties, occurred_at)
            SELECT c.id, 'Started Checkout', jsonb_build_object('cartUrl', 'https://shop.example.com/cart/' || c.id,
                   'cartValue', '42.50', 'itemCount', 2), now() - interval '2 hours'
            FROM customer c
            """;

    static final String SEED_EVALUATIONS = """
            INSERT INTO evaluation (action_id, customer_id, event_id, flow_started_at, due_at)
            SELECT (:actions::bigint[])[1 + (e.id % cardinality(:actions::bigint[]))], e.customer_id, e.id, e.occurred_at,
                   now() - interval '1 minute'
            FROM event e
            """;

    /**
     * Everything flowbatch writes for flows and customers (not Spring Batch's or Quartz's
     * tables).
     */
    public static final String TRUNCATE = "TRUNCATE evaluation, delivery_log, event, action_branch, action, template, flow_version, flow, customer, marketing_send, delivery_event, send_tally";

    private Spike() {
    }

    /** Seeds the spike into empty customer and event tables. */
    public static void seed(JdbcClient jdbc, int n, List<Long> actions) {
        jdbc.sql(SEED_CUSTOMERS).param("n", n).update();
        jdbc.sql(SEED_EVENTS).update();
        jdbc.sql(SEED_EVALUATIONS).param("actions", actions.toArray(Long[]::new)).update();
        jdbc.sql("ANALYZE").update();
    }

}
