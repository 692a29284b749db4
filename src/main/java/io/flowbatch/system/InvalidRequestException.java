package io.flowbatch.system;

import java.util.List;

/**
 * A request that is not valid: answered with 400 naming every bad field, and nothing
 * written.
 */
public class InvalidRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<FieldProblem> problems;

    public InvalidRequestException(List<FieldProblem> problems) {
        super(problems.size() + " invalid field" + ((problems.size() == 1) ? "" : "s") + ": " + problems);
        this.problems = List.copyOf(problems);
    }

    public InvalidRequestException(String field, String message) {
        this(List.of(new FieldProblem(field, message)));
    }

    public List<FieldProblem> problems() {
        return problems;
    }

}
