package io.flowbatch.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.ActionStatusRequest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the buffer step does with each action status, and with evaluations not yet due.
 */
@FlowbatchTest
class BufferStepTest {

    @Autowired
    Fixtures fixture;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void pausedAndManualActionsWaitAndResumeWhenLive() throws Exception {
        long paused = fixture.flow("Paused", "A", List.of(), ActionStatus.LIVE, "<p>x</p>", "PT1H").get(0);
        long manual = fixture.flow("Manual", "B", List.of(), ActionStatus.MANUAL, "<p>x</p>", "PT1H").get(0);
        fixture.flows().changeActionStatus(paused, new ActionStatusRequest(ActionStatus.PAUSED));
        fixture.customers(0, 20);
        Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
        fixture.events("A", 0, 20, twoHoursAgo);
        fixture.events("B", 0, 20, twoHoursAgo);

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("state = 'WAITING'")).isEqualTo(40);
        assertThat(fixture.smtp().received()).isEmpty();

        fixture.flows().changeActionStatus(paused, new ActionStatusRequest(ActionStatus.LIVE));
        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("action_id = " + paused + " AND state = 'SENT'")).isEqualTo(20);
        assertThat(fixture.count("action_id = " + manual + " AND state = 'WAITING'")).isEqualTo(20);
        assertThat(fixture.smtp().received()).hasSize(20);
    }

    @Test
    void evaluationsNotYetDueStayWaiting() throws Exception {
        fixture.flow("Later", "A", List.of(), ActionStatus.LIVE, "<p>x</p>", "PT4H");
        fixture.customers(0, 10);
        fixture.events("A", 0, 10, Instant.now());

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture.count("state = 'WAITING'")).isEqualTo(10);
        assertThat(fixture.smtp().received()).isEmpty();
    }

    @Test
    void aDraftStepIsSkippedAndTheFlowGoesOnToItsNextStep() throws Exception {
        List<Long> steps = fixture.flow("Two steps", "A", List.of(), ActionStatus.LIVE, "<p>x</p>", "PT1H", "PT2H");
        fixture.flows().changeActionStatus(steps.get(0), new ActionStatusRequest(ActionStatus.DRAFT));
        fixture.customers(0, 5);
        fixture.events("A", 0, 5, Instant.now().minus(Duration.ofHours(2)));

        assertThat(fixture.runMinute().getStatus()).isEqualTo(BatchStatus.COMPLETED);

        assertThat(fixture
            .count("action_id = " + steps.get(0) + " AND state = 'SKIPPED' AND reason = 'action is a draft'"))
            .isEqualTo(5);
        assertThat(fixture.count("action_id = " + steps.get(1) + " AND state = 'WAITING'")).isEqualTo(5);
        assertThat(fixture.smtp().received()).isEmpty();
    }

}
