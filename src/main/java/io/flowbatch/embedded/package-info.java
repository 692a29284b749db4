/**
 * The zero-setup run: real PostgreSQL and Redis binaries from Maven Central and an
 * in-process SMTP sink, started before the context when no database is configured, and
 * the demo flow with its trickle of traffic. Nothing else depends on it: it plugs its
 * outbox into the admin pages through {@code admin.ReceivedMail}.
 */
package io.flowbatch.embedded;
