package io.flowbatch.flow;

import jakarta.validation.constraints.NotNull;

/** {@code PUT /api/actions/{id}/status}. */
public record ActionStatusRequest(@NotNull ActionStatus status) {
}
