package io.flowbatch.deliverability;

import java.io.StringReader;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

import java.util.List;

import io.flowbatch.intake.Suppressions;
import io.flowbatch.system.InvalidRequestException;
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
 * searchable by address, reason and date; an operator adds an address with a reason,
 * removes one, or imports a list.
 */
@RestController
class SuppressionController {

    static final int MAX_PAGE_SIZE = 500;

    private final Suppressions suppressions;

    private final RequestValidator validator;

    private final SuppressionImport imports;

    SuppressionController(Suppressions suppressions, RequestValidator validator, SuppressionImport imports) {
        this.suppressions = suppressions;
        this.validator = validator;
        this.imports = imports;
    }

    /** A page of the list, newest first. */
    record SuppressionPage(int page, int size, long total, List<Suppressions.Suppression> items) {
    }

    /**
     * A page of the list: {@code email} and {@code reason} narrow to those containing
     * them, {@code since} (an instant or a date, UTC) to those suppressed from then.
     */
    @GetMapping("/api/admin/suppressions")
    SuppressionPage list(@RequestParam(required = false) String email, @RequestParam(required = false) String reason,
            @RequestParam(required = false) String since, @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        Paging paging = Paging.of(page, size, MAX_PAGE_SIZE);
        Suppressions.Search search = search(email, reason, since);
        return new SuppressionPage(page, size, suppressions.count(search),
                suppressions.page(search, paging.page(), paging.size()));
    }

    /**
     * {@code POST /api/admin/suppressions/import}, a CSV body: {@code email,reason} rows,
     * a header row optional; bad rows are reported with their line and left out.
     */
    @PostMapping(path = "/api/admin/suppressions/import", consumes = { "text/csv", "text/plain" })
    SuppressionImport.Imported importCsv(@RequestBody String csv) {
        return imports.read(new StringReader(csv));
    }

    /** A search from request parameters; blank ones narrow nothing. */
    static Suppressions.Search search(String email, String reason, String since) {
        return new Suppressions.Search(blankless(email), blankless(reason), instant(blankless(since)));
    }

    private static String blankless(String value) {
        return (value != null && !value.isBlank()) ? value.strip() : null;
    }

    private static Instant instant(String since) {
        if (since == null) {
            return null;
        }
        try {
            return (since.length() == 10) ? LocalDate.parse(since).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(since);
        }
        catch (DateTimeParseException ex) {
            throw new InvalidRequestException("since",
                    "must be a date (2026-12-01) or an instant (2026-12-01T09:00:00Z)");
        }
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
