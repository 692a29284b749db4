/**
 * Keeping the sender's reputation: bounces and complaints (reported through the admin API
 * or received by the inbound SMTP listener), what each does, and the suppression list
 * operators keep. Owns {@code delivery_event}; the list itself is the customer's, owned
 * by {@code intake}, and an evaluation's move is the evaluation package's.
 */
package io.flowbatch.deliverability;
