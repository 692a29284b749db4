package io.flowbatch.system;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Answers API errors as RFC 9457 problem details. A 400 lists every bad field under
 * {@code errors}; no answer carries a stack trace.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    static final String ERRORS = "errors";

    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<ProblemDetail> invalidRequest(InvalidRequestException ex) {
        return badRequest(ex.problems());
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<ProblemDetail> notFound(NotFoundException ex) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND)
            .body(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage()));
    }

    @ExceptionHandler(ConflictException.class)
    ResponseEntity<ProblemDetail> conflict(ConflictException ex) {
        return ResponseEntity.status(HttpStatus.CONFLICT)
            .body(ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, ex.getMessage()));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        RequestTooLargeException tooLarge = findCause(ex, RequestTooLargeException.class);
        if (tooLarge != null) {
            return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                        tooLarge.getMessage() + " Nothing was written."));
        }
        JacksonException jackson = findCause(ex, JacksonException.class);
        String field = (jackson != null) ? path(jackson) : "";
        String message = (jackson != null) ? describe(jackson) : "the request body is missing or is not JSON";
        return ResponseEntity.badRequest().body(problem(List.of(new FieldProblem(field, message))));
    }

    private static ResponseEntity<ProblemDetail> badRequest(List<FieldProblem> problems) {
        return ResponseEntity.badRequest().body(problem(problems));
    }

    private static ProblemDetail problem(List<FieldProblem> problems) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The request is not valid ("
                + problems.size() + " problem" + ((problems.size() == 1) ? "" : "s") + "); nothing was written.");
        problem.setProperty(ERRORS, problems);
        return problem;
    }

    /** The JSON path of the failing value: {@code [3].time}, {@code actions[0].delay}. */
    private static String path(JacksonException ex) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : ex.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            }
            else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** What the value should have been, when the expected type says it plainly. */
    private static String describe(JacksonException ex) {
        if (ex instanceof UnrecognizedPropertyException unknown) {
            // A misspelt field silently ignored can change what a request means:
            // "exitMetric"
            // for "exitMetrics" would create a flow without its exit filter.
            List<String> known = (unknown.getKnownPropertyIds() != null)
                    ? unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList() : List.of();
            return "is not a field of this request" + (known.isEmpty() ? "" : "; the fields are " + known);
        }
        Class<?> expected = (ex instanceof MismatchedInputException mismatch) ? mismatch.getTargetType() : null;
        if (expected == Instant.class) {
            return "must be an ISO-8601 time such as 2026-11-26T10:00:00Z";
        }
        if (expected == Duration.class) {
            return "must be an ISO-8601 duration such as PT4H";
        }
        if (expected != null && expected.isEnum()) {
            return "must be one of " + Arrays.toString(expected.getEnumConstants());
        }
        if (expected != null && List.class.isAssignableFrom(expected)) {
            return "must be a JSON array";
        }
        if (expected == Map.class) {
            return "must be a JSON object";
        }
        return shorten(ex.getOriginalMessage());
    }

    private static String shorten(String message) {
        if (message == null) {
            return "is not valid";
        }
        // Jackson quotes the offending input; a huge string must not come back whole.
        return (message.length() > 300) ? message.substring(0, 300) + "..." : message;
    }

    private static <T extends Throwable> T findCause(Throwable ex, Class<T> type) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }

}
