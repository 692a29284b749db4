package io.flowbatch.evaluation;

import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Map;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SQL functions that put the customer's clock into bulk statements (send windows,
 * delays that end at a local time), on real PostgreSQL and its zone data, across the
 * daylight-saving changes of 2026 in three zones: New York (spring forward 8 March, fall
 * back 1 November), Berlin (29 March, 25 October) and Sydney, whose changes run the other
 * way (back 5 April, forward 4 October). Each expected instant was worked out by hand
 * from the zone's offsets.
 */
@FlowbatchTest
class LocalTimesTest {

    @Autowired
    JdbcClient jdbc;

    /**
     * A time the clock skips is the instant after the gap; one it shows twice, its first
     * reading.
     */
    @ParameterizedTest
    @CsvSource({ "2026-03-08, 02:30, America/New_York, 2026-03-08T07:30:00Z",
            "2026-11-01, 01:30, America/New_York, 2026-11-01T05:30:00Z",
            "2026-03-29, 02:30, Europe/Berlin, 2026-03-29T01:30:00Z",
            "2026-10-25, 02:30, Europe/Berlin, 2026-10-25T00:30:00Z",
            "2026-10-04, 02:30, Australia/Sydney, 2026-10-03T16:30:00Z",
            "2026-04-05, 02:30, Australia/Sydney, 2026-04-04T15:30:00Z",
            "2026-06-01, 09:00, Europe/Berlin, 2026-06-01T07:00:00Z" })
    void aLocalTimeIsTheInstantTheClockFirstReadsIt(String day, String time, String zone, String expected) {
        Instant reading = instant("SELECT local_instant(:day::date, :time::time, :zone)",
                Map.of("day", day, "time", time, "zone", zone));

        assertThat(reading).isEqualTo(Instant.parse(expected));
    }

    /**
     * A delay that ends at a local time: the first reading of that time at or after the
     * delay's end, the second reading of a time shown twice when the first is already
     * past.
     */
    @ParameterizedTest
    @CsvSource({ "2026-11-01T05:00:00Z, 01:30, America/New_York, 2026-11-01T05:30:00Z",
            "2026-11-01T05:45:00Z, 01:30, America/New_York, 2026-11-01T06:30:00Z",
            "2026-11-01T06:45:00Z, 01:30, America/New_York, 2026-11-02T06:30:00Z",
            "2026-03-08T06:00:00Z, 02:30, America/New_York, 2026-03-08T07:30:00Z",
            "2026-03-28T12:00:00Z, 10:00, Europe/Berlin, 2026-03-29T08:00:00Z",
            "2026-10-03T12:00:00Z, 10:00, Australia/Sydney, 2026-10-03T23:00:00Z",
            "2026-06-01T08:00:00Z, 10:00, Europe/Berlin, 2026-06-01T08:00:00Z" })
    void aDelayEndsAtTheNextReadingOfItsLocalTime(String after, String time, String zone, String expected) {
        Instant next = instant("SELECT next_local_time(:after::timestamptz, :time::time, :zone)",
                Map.of("after", after, "time", time, "zone", zone));

        assertThat(next).isEqualTo(Instant.parse(expected));
    }

    /**
     * Inside the window: the time itself; outside: the next opening, on a day it opens,
     * over midnight when it closes before it opens, and on a daylight-saving day at the
     * clock's first reading of its opening.
     */
    @ParameterizedTest
    @CsvSource({ "2026-06-03T10:00:00Z, Europe/Berlin, '1,2,3,4,5', 09:00, 20:00, 2026-06-03T10:00:00Z",
            "2026-06-03T18:30:00Z, Europe/Berlin, '1,2,3,4,5', 09:00, 20:00, 2026-06-04T07:00:00Z",
            "2026-06-06T10:00:00Z, Europe/Berlin, '1,2,3,4,5', 09:00, 20:00, 2026-06-08T07:00:00Z",
            "2026-06-01T23:30:00Z, Europe/Berlin, '1', 22:00, 02:00, 2026-06-01T23:30:00Z",
            "2026-06-02T00:30:00Z, Europe/Berlin, '1', 22:00, 02:00, 2026-06-08T20:00:00Z",
            "2026-03-08T06:00:00Z, America/New_York, '7', 02:30, 09:00, 2026-03-08T07:30:00Z",
            "2026-11-01T05:45:00Z, America/New_York, '7', 01:30, 20:00, 2026-11-01T05:45:00Z",
            "2026-11-01T05:15:00Z, America/New_York, '7', 01:30, 20:00, 2026-11-01T05:30:00Z",
            "2026-04-04T15:45:00Z, Australia/Sydney, '7', 02:30, 08:00, 2026-04-04T15:45:00Z",
            "2026-10-03T15:30:00Z, Australia/Sydney, '7', 02:30, 08:00, 2026-10-03T16:30:00Z" })
    void anEvaluationOutsideItsWindowWaitsForTheNextOpening(String at, String zone, String days, String opens,
            String closes, String expected) {
        Integer[] isoDays = Arrays.stream(days.split(",")).map(Integer::valueOf).toArray(Integer[]::new);
        Instant opening = instant(
                "SELECT send_window_opening(:at::timestamptz, :zone, :days::smallint[], :opens::time, :closes::time)",
                Map.of("at", at, "zone", zone, "days", isoDays, "opens", LocalTime.parse(opens), "closes",
                        LocalTime.parse(closes)));

        assertThat(opening).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest
    @CsvSource({ "Europe/Paris, Europe/Paris", "Mars/Olympus, Asia/Tokyo", "+01:00, Asia/Tokyo", ", Asia/Tokyo" })
    void aZoneThisDatabaseDoesNotKnowIsTheDefault(String zone, String expected) {
        assertThat(
                jdbc.sql("SELECT customer_zone(:zone, 'Asia/Tokyo')").param("zone", zone).query(String.class).single())
            .isEqualTo(expected);
    }

    /** The instant one function call returns. */
    private Instant instant(String sql, Map<String, Object> parameters) {
        return jdbc.sql(sql).params(parameters).query(OffsetDateTime.class).single().toInstant();
    }

}
