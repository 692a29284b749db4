package io.flowbatch.flow;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A step rendered without sending: an email step's subject, HTML and text, or a webhook
 * step's body.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepPreviewed(String subject, String html, String text, String body) {
}
