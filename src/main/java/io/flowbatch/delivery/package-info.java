/**
 * Mail: templates rendered in a sandbox, MIME messages with their headers and Message-ID,
 * the SMTP sender with its send permit and failure classification, unsubscribe links and
 * their endpoint (which changes a customer's consent through intake). Owns
 * {@code app_setting} (the unsubscribe secret); knows nothing of evaluations.
 */
package io.flowbatch.delivery;
