package io.flowbatch.intake;

import java.util.Map;

import io.flowbatch.system.EmailAddress;
import io.flowbatch.system.TextRules;
import io.flowbatch.system.TimeZoneId;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** One item of {@code POST /api/customers}; absent fields keep their stored values. */
public record CustomerRequest(@NotBlank @EmailAddress String email,
        @Size(max = 200) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String firstName,
        @Size(max = 200) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String lastName,
        @TimeZoneId String timezone, Map<String, Object> properties) {
}
