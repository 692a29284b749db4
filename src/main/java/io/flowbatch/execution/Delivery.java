package io.flowbatch.execution;

import io.flowbatch.delivery.PreparedMessage;
import io.flowbatch.evaluation.ClaimedEvaluation;

/**
 * One rendered message ready to send, and the evaluation it executes; for a webhook step,
 * the rendered JSON body instead of a message.
 */
record Delivery(ClaimedEvaluation evaluation, String recipient, String messageId, PreparedMessage message,
        String webhookBody) {

    Delivery(ClaimedEvaluation evaluation, String recipient, String messageId, PreparedMessage message) {
        this(evaluation, recipient, messageId, message, null);
    }

}
