package io.flowbatch.execution;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.SendDay;
import io.flowbatch.flow.SendWindow;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Send windows and delays that end at a local time, on real PostgreSQL, Redis and SMTP,
 * for customers in twelve zones in one chunk. What each customer should get is worked out
 * here with java.time, independently of the SQL that decides it; a customer whose local
 * time crossed a boundary while the job ran is left out of the comparison.
 */
@FlowbatchTest
class SendWindowTest {

    /**
     * Around the world: whatever the time, some are inside 09:00 to 17:00 and some not.
     */
    static final List<String> ZONES = List.of("Pacific/Honolulu", "America/Los_Angeles", "America/New_York",
            "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Europe/Moscow", "Asia/Kolkata", "Asia/Shanghai",
            "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland");

    static final LocalTime OPENS = LocalTime.of(9, 0);

    static final LocalTime CLOSES = LocalTime.of(17, 0);

    @Autowired
    Fixtures fixture;

    @Autowired
    MockMvc mvc;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void customersOutsideTheWindowOnTheirClockWaitForItsOpeningUnbufferedAndTheOthersSend() throws Exception {
        long action = action(Duration.ofHours(1), null, new SendWindow(Arrays.asList(SendDay.values()), OPENS, CLOSES));
        fixture.customers(0, 120, (i) -> ZONES.get(i % ZONES.size()));
        fixture.events(Fixtures.TRIGGER, 0, 120, Instant.now().minus(Duration.ofHours(2)));

        Instant before = Instant.now();
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);
        Instant after = Instant.now();

        Set<String> received = fixture.smtp()
            .received()
            .stream()
            .map(TestSmtpServer.Received::recipient)
            .collect(Collectors.toSet());
        int inside = 0;
        int deferred = 0;
        for (Map<String, Object> row : rows(action)) {
            ZoneId zone = ZoneId.of((String) row.get("timezone"));
            Instant expected = opening(before, zone);
            boolean insideThroughout = expected.equals(before) && opening(after, zone).equals(after);
            if (!insideThroughout && !expected.equals(opening(after, zone))) {
                continue;
            }
            String email = (String) row.get("email");
            if (insideThroughout) {
                inside++;
                assertThat(row.get("state")).as(email).isEqualTo("SENT");
                assertThat(received).contains(email);
            }
            else {
                deferred++;
                assertThat(row.get("state")).as(email).isEqualTo("WAITING");
                assertThat(((Timestamp) row.get("due_at")).toInstant()).as(email).isEqualTo(expected);
                assertThat((String) row.get("reason")).as(email)
                    .isEqualTo("deferred: outside the send window; it opens at " + expected);
                assertThat(received).doesNotContain(email);
            }
        }
        assertThat(inside).isPositive();
        assertThat(deferred).isPositive();
        assertThat(fixture.count("state = 'BUFFERED'")).as("deferred evaluations are not buffered").isZero();
        assertThat(fixture.redis().opsForSet().size(Buckets.key(action))).isZero();
        long deferredInAll = fixture.count("action_id = " + action + " AND state = 'WAITING'");
        mvc.perform(get("/api/admin/actions/{id}/stats", action)
            .with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.deferred.count").value(deferredInAll))
            .andExpect(jsonPath("$.states.WAITING").value(deferredInAll));
        mvc.perform(get("/admin/actions/{id}", action).with(user(FlowbatchTest.ADMIN_USER).roles("ADMIN")))
            .andExpect(status().isOk())
            .andExpect(content().string(containsString(deferredInAll + " waiting deferred by its send window")));

        int sent = fixture.smtp().received().size();
        fixture.runMinute();
        assertThat(fixture.smtp().received()).as("nothing deferred is due again before its opening").hasSize(sent);
    }

    /**
     * {@code "delay": "PT1H", "at": "10:00"}: due at the first 10:00 on the customer's
     * clock an hour after the event, computed at intake; and the next step's, computed
     * when the step before it completes.
     */
    @Test
    void aDelayThatEndsAtALocalTimeIsDueAtItsFirstReadingAfterTheDelay() throws Exception {
        LocalTime ten = LocalTime.of(10, 0);
        List<Long> actions = fixture.flows()
            .create(new FlowRequest("Morning", new FlowRequest.Trigger(Fixtures.TRIGGER), List.of(), null,
                    List.of(actionRequest(Duration.ZERO, null, null), actionRequest(Duration.ofDays(1), ten, null))))
            .actions()
            .stream()
            .map((created) -> created.id())
            .toList();
        long atAction = fixture.flows()
            .create(new FlowRequest("At ten", new FlowRequest.Trigger(Fixtures.TRIGGER), List.of(), null,
                    List.of(actionRequest(Duration.ofHours(1), ten, null))))
            .actions()
            .get(0)
            .id();
        Instant occurred = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        fixture.customers(0, 24, (i) -> (i == 0) ? null : ZONES.get(i % ZONES.size()));
        fixture.events(Fixtures.TRIGGER, 0, 24, occurred);

        for (Map<String, Object> row : rows(atAction)) {
            ZoneId zone = zoneOf(row);
            assertThat(((Timestamp) row.get("due_at")).toInstant()).as((String) row.get("email"))
                .isEqualTo(nextReading(occurred.plus(Duration.ofHours(1)), ten, zone));
        }

        Instant before = Instant.now();
        fixture.runMinute();
        Instant after = Instant.now();

        List<Map<String, Object>> next = rows(actions.get(1));
        assertThat(next).hasSize(24);
        for (Map<String, Object> row : next) {
            ZoneId zone = zoneOf(row);
            Instant due = ((Timestamp) row.get("due_at")).toInstant();
            assertThat(due).as((String) row.get("email"))
                .isIn(nextReading(before.plus(Duration.ofDays(1)), ten, zone),
                        nextReading(after.plus(Duration.ofDays(1)), ten, zone));
            assertThat(due.atZone(zone).toLocalTime()).isEqualTo(ten);
        }
    }

    private static ZoneId zoneOf(Map<String, Object> row) {
        String zone = (String) row.get("timezone");
        // The test profile's flowbatch.delivery.default-time-zone.
        return ZoneId.of((zone != null) ? zone : "UTC");
    }

    /** The time itself inside 09:00 to 17:00 on the zone's clock, else the next 09:00. */
    static Instant opening(Instant at, ZoneId zone) {
        ZonedDateTime local = at.atZone(zone);
        LocalTime time = local.toLocalTime();
        if (!time.isBefore(OPENS) && time.isBefore(CLOSES)) {
            return at;
        }
        ZonedDateTime day = time.isBefore(OPENS) ? local : local.plusDays(1);
        return day.toLocalDate().atTime(OPENS).atZone(zone).toInstant();
    }

    /**
     * The first instant at or after {@code after} that the zone's clock reads
     * {@code time}.
     */
    static Instant nextReading(Instant after, LocalTime time, ZoneId zone) {
        ZonedDateTime candidate = after.atZone(zone).toLocalDate().atTime(time).atZone(zone);
        return candidate.toInstant().isBefore(after) ? candidate.plusDays(1).toInstant() : candidate.toInstant();
    }

    private List<Map<String, Object>> rows(long action) {
        return fixture.data().jdbc().sql("""
                SELECT c.email, c.timezone, e.state, e.due_at, e.reason FROM evaluation e
                JOIN customer c ON c.id = e.customer_id WHERE e.action_id = :action ORDER BY e.id
                """).param("action", action).query().listOfRows();
    }

    private long action(Duration delay, LocalTime at, SendWindow window) {
        return fixture.flows()
            .create(new FlowRequest("Windowed", new FlowRequest.Trigger(Fixtures.TRIGGER), List.of(), null,
                    List.of(actionRequest(delay, at, window))))
            .actions()
            .get(0)
            .id();
    }

    private static FlowRequest.ActionRequest actionRequest(Duration delay, LocalTime at, SendWindow window) {
        return new FlowRequest.ActionRequest(delay, ActionStatus.LIVE,
                new FlowRequest.Email("Shop <shop@example.com>", "Hi", "<p>Hi [[${customer.firstName}]]</p>", null),
                ActionKind.MARKETING, false, null, window, at);
    }

}
