package io.flowbatch.deliverability;

import io.flowbatch.system.EmailAddress;
import io.flowbatch.system.TextRules;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/admin/bounces}: a bounce or complaint an operator (or a script fed by
 * a provider's report) tells flowbatch about, naming the message by its Message-ID or
 * only the address.
 *
 * @param messageId the Message-ID flowbatch gave the message, with or without its angle
 * brackets; or
 * @param email the address, when no message is named
 * @param diagnostic the server's words (a DSN's Diagnostic-Code), kept with the event
 */
public record BounceRequest(
        @Size(max = 998) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String messageId,
        @EmailAddress String email, @NotNull BounceType type,
        @Size(max = 1000) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String diagnostic) {
}
