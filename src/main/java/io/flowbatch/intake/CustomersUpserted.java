package io.flowbatch.intake;

/**
 * Answer to {@code POST /api/customers}: how many distinct customers were created and
 * updated.
 */
public record CustomersUpserted(long created, long updated) {
}
