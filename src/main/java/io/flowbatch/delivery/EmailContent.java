package io.flowbatch.delivery;

/**
 * The parts of an email template as marketers write them: Thymeleaf text with the
 * variables of {@link TemplateVariables}.
 *
 * @param from sender address, optionally with a display name
 * ({@code Shop <shop@example.com>})
 * @param subject subject line, rendered in Thymeleaf TEXT mode
 * @param html HTML part, rendered in HTML mode
 * @param text plain-text part, rendered in TEXT mode; may be null
 */
public record EmailContent(String from, String subject, String html, String text) {
}
