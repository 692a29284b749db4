package io.flowbatch.execution;

import io.flowbatch.delivery.PreparedMessage;
import io.flowbatch.evaluation.ClaimedEvaluation;

/** One rendered message ready to send, and the evaluation it executes. */
record Delivery(ClaimedEvaluation evaluation, String recipient, String messageId, PreparedMessage message) {
}
