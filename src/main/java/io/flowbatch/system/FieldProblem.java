package io.flowbatch.system;

/**
 * One bad field of a request.
 *
 * @param field the field's path in the request body, with array indexes:
 * {@code [3].email}, {@code actions[0].email.html}
 * @param message what is wrong with it
 */
public record FieldProblem(String field, String message) {
}
