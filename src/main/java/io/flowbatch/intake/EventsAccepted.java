package io.flowbatch.intake;

/**
 * Answer to {@code POST /api/events}.
 *
 * @param accepted events stored
 * @param duplicates events ignored because their uniqueId was already stored
 * @param evaluationsCreated evaluations the stored events created in live flows
 */
public record EventsAccepted(long accepted, long duplicates, long evaluationsCreated) {
}
