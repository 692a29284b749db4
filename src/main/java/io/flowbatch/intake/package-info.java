/**
 * The public intake API: customers upserted in bulk and events stored in bulk, each event
 * starting the flows its metric triggers (through the evaluation package's statement), a
 * customer's consent as an unsubscribe link changes it, and the suppression list. Owns
 * the {@code customer} and {@code event} tables.
 */
package io.flowbatch.intake;
