package io.flowbatch.support;

import java.util.Map;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Resets and reads flowbatch's tables in tests. */
@TestConfiguration(proxyBeanMethods = false)
public class TestData {

    private static final String TRUNCATE = """
            TRUNCATE evaluation, delivery_log, event, action_branch, action, template, flow_version, flow, customer, marketing_send, delivery_event, send_tally RESTART IDENTITY
            """;

    private final JdbcClient jdbc;

    TestData(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void reset() {
        jdbc.sql(TRUNCATE).update();
    }

    public long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }

    /** Row counts of every table a request may write. */
    public Map<String, Long> counts() {
        return Map.of("customer", count("customer"), "event", count("event"), "evaluation", count("evaluation"), "flow",
                count("flow"), "action", count("action"), "template", count("template"));
    }

    public JdbcClient jdbc() {
        return jdbc;
    }

}
