package io.flowbatch.flow;

import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/flows/{id}/steps/{stepId}/preview}: render for a stored customer, by
 * {@code email} (with their latest event of the flow's trigger), or for sample data.
 */
public record PreviewRequest(@Size(max = 320) String email, @Valid Sample customer,
        Map<String, Object> eventProperties) {

    /** A customer who need not exist. */
    public record Sample(@Size(max = 320) String email, @Size(max = 200) String firstName,
            @Size(max = 200) String lastName, Map<String, Object> properties) {
    }

}
