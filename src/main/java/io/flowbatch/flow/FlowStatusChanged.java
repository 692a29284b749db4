package io.flowbatch.flow;

/**
 * Answer to {@code POST /api/flows/{id}/pause}, {@code /resume} and {@code /archive}.
 *
 * @param cancelled the pending evaluations archiving cancelled; 0 otherwise
 */
public record FlowStatusChanged(long id, FlowStatus status, int cancelled) {
}
