package io.flowbatch.execution;

import io.flowbatch.evaluation.ClaimedEvaluation;
import jakarta.mail.internet.MimeMessage;

/** One rendered message ready to send, and the evaluation it executes. */
record Delivery(ClaimedEvaluation evaluation, String recipient, String messageId, MimeMessage message) {
}
