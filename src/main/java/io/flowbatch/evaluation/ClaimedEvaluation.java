package io.flowbatch.evaluation;

import java.time.Instant;

/**
 * An evaluation the reader claimed for this step execution: what the processor starts
 * from.
 */
public record ClaimedEvaluation(long id, long customerId, Long eventId, Instant flowStartedAt, int attempts) {
}
