package io.flowbatch.deliverability;

import io.flowbatch.system.EmailAddress;
import io.flowbatch.system.TextRules;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** {@code POST /api/admin/suppressions}: an address never to mail again, and why. */
public record SuppressionRequest(@NotBlank @EmailAddress String email,
        @NotBlank @Size(max = 500) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String reason) {
}
