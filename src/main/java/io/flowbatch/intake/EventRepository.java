package io.flowbatch.intake;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;

import io.flowbatch.evaluation.FlowSteps;
import io.flowbatch.evaluation.TriggerFilters;
import io.flowbatch.system.LocalTimeProperties;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Events and the evaluations they create, written together in one statement. */
@Repository
class EventRepository {

    /**
     * Stores the events (a uniqueId already stored makes an event a duplicate) and, for
     * each stored event whose metric triggers a live flow, creates the evaluation of the
     * flow's first step whose trigger filter the event meets, due at the event's time
     * plus the step's delay (the evaluation package's statement, embedded). One round
     * trip for the request, after the one that reads the trigger filters.
     */
    static final String INSERT_EVENTS_AND_EVALUATIONS_TEMPLATE = """
            WITH input AS (
                SELECT * FROM unnest(:customerIds::bigint[], :metrics::text[], :properties::text[],
                                     :times::timestamptz[], :uniqueIds::text[])
                    AS i(customer_id, metric, properties, occurred_at, unique_id)
            ), stored AS (
                INSERT INTO event (customer_id, metric, properties, occurred_at, unique_id)
                SELECT customer_id, metric, properties::jsonb, occurred_at, unique_id FROM input
                ON CONFLICT (unique_id) DO NOTHING
                RETURNING id, customer_id, metric, properties, occurred_at
            ), created AS (%s
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM stored) AS accepted, (SELECT count(*) FROM created) AS evaluations_created
            """;

    static final String STORED_RECENT = "(SELECT * FROM stored WHERE occurred_at >= :oldestTrigger)";

    private final JdbcClient jdbc;

    private final String defaultZone;

    private final TriggerFilters triggerFilters;

    EventRepository(JdbcClient jdbc, LocalTimeProperties localTime, TriggerFilters triggerFilters) {
        this.jdbc = jdbc;
        this.triggerFilters = triggerFilters;
        this.defaultZone = localTime.defaultZoneName();
    }

    /**
     * Stores the events; says how many were stored and how many evaluations they created.
     */
    Stored insert(List<EventRow> events, Instant oldestTrigger, Instant now) {
        TriggerFilters.Clause filters = triggerFilters
            .forMetrics(events.stream().map(EventRow::metric).collect(Collectors.toSet()));
        return jdbc
            .sql(INSERT_EVENTS_AND_EVALUATIONS_TEMPLATE.formatted(FlowSteps.firstStepsOf(STORED_RECENT, filters)))
            .params(filters.params())
            .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
            .param("customerIds", events.stream().map(EventRow::customerId).toArray(Long[]::new))
            .param("metrics", events.stream().map(EventRow::metric).toArray(String[]::new))
            .param("properties", events.stream().map(EventRow::propertiesJson).toArray(String[]::new))
            .param("times", events.stream().map((event) -> event.occurredAt().toString()).toArray(String[]::new))
            .param("uniqueIds", events.stream().map(EventRow::uniqueId).toArray(String[]::new))
            .param("oldestTrigger", OffsetDateTime.ofInstant(oldestTrigger, ZoneOffset.UTC))
            .param("defaultZone", defaultZone)
            .query((rs, row) -> new Stored(rs.getLong("accepted"), rs.getLong("evaluations_created")))
            .single();
    }

    /** What one insert stored. */
    record Stored(long events, long evaluations) {
    }

    /** An event ready to write. */
    record EventRow(long customerId, String metric, String propertiesJson, Instant occurredAt, String uniqueId) {
    }

}
