/**
 * Mail: templates rendered in a sandbox, MIME messages with their headers, Message-ID and
 * signed return path, the SMTP sender with its send permit and failure classification,
 * named relays with their rates and quotas, smart sending and frequency caps, unsubscribe
 * links and their endpoint (which changes a customer's consent through intake). Owns
 * {@code app_setting} (the signing key) and {@code marketing_send}; knows nothing of
 * evaluations.
 */
package io.flowbatch.delivery;
