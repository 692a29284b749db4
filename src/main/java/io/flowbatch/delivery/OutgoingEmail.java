package io.flowbatch.delivery;

/**
 * Everything one message needs besides its rendered content.
 *
 * @param evaluationId the evaluation the message executes; names the Message-ID
 * @param recipient the customer's address
 * @param recipientName display name, may be null
 * @param from the sender, as the template says
 * @param unsubscribeUrl the customer's one-click unsubscribe link, for the
 * {@code List-Unsubscribe} headers; null for a transactional email, which has none
 */
public record OutgoingEmail(long evaluationId, String recipient, String recipientName, String from,
        String unsubscribeUrl) {
}
