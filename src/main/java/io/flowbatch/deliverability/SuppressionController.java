package io.flowbatch.deliverability;

import java.util.List;

import io.flowbatch.intake.Suppressions;
import io.flowbatch.system.NotFoundException;
import io.flowbatch.system.Paging;
import io.flowbatch.system.RequestValidator;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET|POST|DELETE /api/admin/suppressions}: the suppression list, paged and
 * searchable by address; an operator adds an address with a reason, or removes one.
 */
@RestController
class SuppressionController {

    static final int MAX_PAGE_SIZE = 500;

    private final Suppressions suppressions;

    private final RequestValidator validator;

    SuppressionController(Suppressions suppressions, RequestValidator validator) {
        this.suppressions = suppressions;
        this.validator = validator;
    }

    /** A page of the list, newest first. */
    record SuppressionPage(int page, int size, long total, List<Suppressions.Suppression> items) {
    }

    @GetMapping("/api/admin/suppressions")
    SuppressionPage list(@RequestParam(required = false) String email, @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        Paging paging = Paging.of(page, size, MAX_PAGE_SIZE);
        String search = (email != null && !email.isBlank()) ? email : null;
        return new SuppressionPage(page, size, suppressions.count(search),
                suppressions.page(search, paging.page(), paging.size()));
    }

    @PostMapping("/api/admin/suppressions")
    @ResponseStatus(HttpStatus.CREATED)
    Suppressions.Suppression add(@RequestBody SuppressionRequest request) {
        validator.validate(request);
        return suppressions.suppress(request.email(), request.reason().strip());
    }

    @DeleteMapping("/api/admin/suppressions")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void remove(@RequestParam String email) {
        if (!suppressions.remove(email)) {
            throw new NotFoundException("The address " + email + " is not suppressed");
        }
    }

}
