package io.flowbatch.admin;

import io.flowbatch.execution.Buckets;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Gauges operators alert on, read when scraped: ids waiting in Redis buckets, and
 * evaluations waiting for a decision (IN_DOUBT) or given up on (FAILED). The counts use a
 * partial index.
 */
@Component
class OperationsMetrics implements MeterBinder {

    static final String COUNT_STATE = "SELECT count(*) FROM evaluation WHERE state = :state";

    private final Buckets buckets;

    private final JdbcClient jdbc;

    OperationsMetrics(Buckets buckets, JdbcClient jdbc) {
        this.buckets = buckets;
        this.jdbc = jdbc;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("flowbatch.buckets.depth", buckets, Buckets::totalDepth)
            .description("Evaluation ids waiting in Redis buckets, all actions")
            .register(registry);
        Gauge.builder("flowbatch.evaluations.in.doubt", this, (m) -> m.count("IN_DOUBT"))
            .description("Evaluations whose send may or may not have happened, waiting for an operator")
            .register(registry);
        Gauge.builder("flowbatch.evaluations.failed", this, (m) -> m.count("FAILED"))
            .description("Evaluations that failed for good")
            .register(registry);
    }

    private double count(String state) {
        return jdbc.sql(COUNT_STATE).param("state", state).query(Long.class).single();
    }

}
