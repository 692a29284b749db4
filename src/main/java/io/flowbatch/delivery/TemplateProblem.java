package io.flowbatch.delivery;

/**
 * Why a template was refused when saved.
 *
 * @param part the template part: {@code from}, {@code subject}, {@code html} or
 * {@code text}
 * @param message what is wrong, in words a marketer can act on
 */
public record TemplateProblem(String part, String message) {
}
