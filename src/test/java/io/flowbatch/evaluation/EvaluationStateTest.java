package io.flowbatch.evaluation;

import org.junit.jupiter.api.Test;

import static io.flowbatch.evaluation.EvaluationState.BUFFERED;
import static io.flowbatch.evaluation.EvaluationState.BOUNCED;
import static io.flowbatch.evaluation.EvaluationState.CANCELLED;
import static io.flowbatch.evaluation.EvaluationState.DONE;
import static io.flowbatch.evaluation.EvaluationState.COMPLAINED;
import static io.flowbatch.evaluation.EvaluationState.FAILED;
import static io.flowbatch.evaluation.EvaluationState.IN_DOUBT;
import static io.flowbatch.evaluation.EvaluationState.PROCESSING;
import static io.flowbatch.evaluation.EvaluationState.SENDING;
import static io.flowbatch.evaluation.EvaluationState.SENT;
import static io.flowbatch.evaluation.EvaluationState.SKIPPED;
import static io.flowbatch.evaluation.EvaluationState.WAITING;
import static org.assertj.core.api.Assertions.assertThat;

/** The state table (README, Evaluation states): what may follow what. */
class EvaluationStateTest {

    @Test
    void aSendIsOnlyEverReachedThroughSending() {
        for (EvaluationState state : EvaluationState.values()) {
            assertThat(state.canMoveTo(SENT)).as(state + " -> SENT").isEqualTo(state == SENDING || state == IN_DOUBT);
        }
    }

    @Test
    void sentMovesOnlyOnABounceOrAComplaintSkippedDoneAndCancelledAreTerminalAndFailedAndInDoubtWaitForAnOperator() {
        for (EvaluationState next : EvaluationState.values()) {
            assertThat(SENT.canMoveTo(next)).as("SENT -> " + next).isEqualTo(next == BOUNCED || next == COMPLAINED);
            assertThat(BOUNCED.canMoveTo(next)).as("BOUNCED -> " + next).isEqualTo(next == COMPLAINED);
            assertThat(COMPLAINED.canMoveTo(next)).isFalse();
            assertThat(SKIPPED.canMoveTo(next)).isFalse();
            assertThat(CANCELLED.canMoveTo(next)).isFalse();
            assertThat(DONE.canMoveTo(next)).isFalse();
        }
        assertThat(WAITING.canMoveTo(DONE)).isTrue();
        assertThat(FAILED.canMoveTo(WAITING)).isTrue();
        assertThat(IN_DOUBT.canMoveTo(WAITING)).isTrue();
        assertThat(IN_DOUBT.canMoveTo(FAILED)).isTrue();
        assertThat(EvaluationState.values()).filteredOn(EvaluationState::isFinal)
            .containsExactlyInAnyOrder(SENT, BOUNCED, COMPLAINED, SKIPPED, DONE, FAILED, IN_DOUBT, CANCELLED);
    }

    @Test
    void claimsGoBackToTheBufferOnlyFromProcessingOrSending() {
        assertThat(WAITING.canMoveTo(BUFFERED)).isTrue();
        assertThat(BUFFERED.canMoveTo(PROCESSING)).isTrue();
        assertThat(BUFFERED.canMoveTo(SENDING)).as("a row is claimed before it is sent").isFalse();
        assertThat(PROCESSING.canMoveTo(BUFFERED)).isTrue();
        assertThat(SENDING.canMoveTo(BUFFERED)).isTrue();
        assertThat(SENDING.canMoveTo(PROCESSING)).isFalse();
    }

}
