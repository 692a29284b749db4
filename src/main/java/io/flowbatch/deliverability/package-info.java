/**
 * Keeping the sender's reputation: bounces and complaints (reported through the admin API
 * or received by the inbound SMTP listener), what each does, the suppression list
 * operators keep, and the reputation guard that pauses an action whose bounce or
 * complaint rate goes bad. Owns {@code delivery_event}; the list itself is the
 * customer's, owned by {@code intake}, an evaluation's move is the evaluation package's,
 * the tally of sends {@code delivery}'s, and an action's pause the flow package's.
 */
package io.flowbatch.deliverability;
