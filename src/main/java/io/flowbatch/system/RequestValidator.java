package io.flowbatch.system;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import org.springframework.stereotype.Component;

/**
 * Bean Validation for request bodies, reporting every violation with its path and array
 * index ({@code [3].email}) so that a client can fix a 10,000-item request in one go.
 */
@Component
public class RequestValidator {

    private final Validator validator;

    public RequestValidator(Validator validator) {
        this.validator = validator;
    }

    /** Validates every item of a bulk request; throws when any is invalid. */
    public <T> void validateItems(List<T> items, int maxItems) {
        if (items == null || items.isEmpty()) {
            throw new InvalidRequestException("", "must be a non-empty JSON array");
        }
        if (items.size() > maxItems) {
            throw new InvalidRequestException("", "must hold at most " + maxItems + " items, got " + items.size());
        }
        List<FieldProblem> problems = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            if (item == null) {
                problems.add(new FieldProblem("[" + i + "]", "must be an object"));
                continue;
            }
            collect("[" + i + "].", validator.validate(item), problems);
        }
        throwIfAny(problems);
    }

    /** Validates one request object; throws when it is invalid. */
    public void validate(Object request) {
        if (request == null) {
            throw new InvalidRequestException("", "must be a JSON object");
        }
        List<FieldProblem> problems = new ArrayList<>();
        collect("", validator.validate(request), problems);
        throwIfAny(problems);
    }

    public static void throwIfAny(List<FieldProblem> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
    }

    private static <T> void collect(String prefix, Iterable<ConstraintViolation<T>> violations,
            List<FieldProblem> problems) {
        List<FieldProblem> found = new ArrayList<>();
        for (ConstraintViolation<T> violation : violations) {
            found.add(new FieldProblem(prefix + violation.getPropertyPath(), violation.getMessage()));
        }
        // Violations come from a hash set; sort so answers are stable.
        found.sort(Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::message));
        problems.addAll(found);
    }

}
