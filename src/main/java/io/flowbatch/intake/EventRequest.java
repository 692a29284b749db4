package io.flowbatch.intake;

import java.time.Instant;
import java.util.Map;

import io.flowbatch.system.EmailAddress;
import io.flowbatch.system.TextRules;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * One item of {@code POST /api/events}.
 *
 * @param time when it happened; the time of receipt when absent
 * @param uniqueId the client's idempotency key: a second event with the same one is
 * ignored
 */
public record EventRequest(@NotBlank @EmailAddress String email,
        @NotBlank @Size(max = 200) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String metric,
        Instant time, @Size(max = 255) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String uniqueId,
        Map<String, Object> properties) {
}
