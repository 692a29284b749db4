/**
 * Keeping the sender's reputation: the suppression list operators keep through the admin
 * API. Bounces, complaints and the reputation guard come here too (the deliverability
 * work); the list itself is the customer's, owned by {@code intake}.
 */
package io.flowbatch.deliverability;
