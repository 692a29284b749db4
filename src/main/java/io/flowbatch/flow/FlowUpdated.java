package io.flowbatch.flow;

/**
 * Answer to {@code PUT /api/flows/{id}}.
 *
 * @param cancelled evaluations waiting at steps this version removed, now CANCELLED
 * @param rescheduled evaluations waiting at steps whose delay changed, moved by the
 * change ({@code rescheduleWaiting})
 */
public record FlowUpdated(long id, int version, int cancelled, int rescheduled) {
}
