package io.flowbatch.deliverability;

/**
 * A bounce or complaint a provider's webhook reports.
 *
 * @param type what it is; null: an event flowbatch does not act on (a delivery, an open)
 * @param messageId the Message-ID header of the message, when the provider passes it on
 * @param email the recipient
 * @param diagnostic the provider's words
 */
record ProviderEvent(BounceType type, String messageId, String email, String diagnostic) {
}
