package io.flowbatch.flow;

import java.time.Instant;

import tools.jackson.databind.JsonNode;

/**
 * One version of a flow, as {@code GET /api/flows/{id}/versions} lists it: the request
 * that published it.
 */
public record FlowVersion(int version, Instant createdAt, JsonNode definition) {
}
