package io.flowbatch.deliverability;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.flowbatch.intake.Suppressions;
import io.flowbatch.system.FieldProblem;
import io.flowbatch.system.InvalidRequestException;
import io.flowbatch.system.RequestValidator;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A suppression list exported by another tool, as CSV: an {@code email} column and an
 * optional {@code reason} one, with or without a header row. Each row is checked as
 * {@code POST /api/admin/suppressions} checks one; a bad row is reported with its line
 * and left out, the rest are suppressed for good, a thousand to a statement, in one
 * transaction once the whole file was read: a file that cannot be read, or holds too many
 * rows, writes nothing.
 */
@Service
class SuppressionImport {

    static final int MAX_ROWS = 100_000;

    static final int BATCH = 1_000;

    /** How many bad rows an answer lists; it counts them all. */
    static final int MAX_LISTED = 100;

    static final String DEFAULT_REASON = "imported";

    private final Suppressions suppressions;

    private final RequestValidator validator;

    private final PlatformTransactionManager transactions;

    SuppressionImport(Suppressions suppressions, RequestValidator validator, PlatformTransactionManager transactions) {
        this.suppressions = suppressions;
        this.validator = validator;
        this.transactions = transactions;
    }

    /** A row left out, and why. */
    record RowProblem(long line, String field, String message) {
    }

    /**
     * What an import did.
     *
     * @param rows the data rows read
     * @param suppressed the rows suppressed (an address suppressed for good before keeps
     * its reason, and counts)
     * @param rejected how many rows were left out
     * @param problems the first {@value #MAX_LISTED} of them
     */
    record Imported(long rows, long suppressed, long rejected, List<RowProblem> problems) {
    }

    Imported read(Reader csv) {
        List<String> emails = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<RowProblem> problems = new ArrayList<>();
        long rows = 0;
        long rejected = 0;
        try (CSVParser parser = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).setTrim(true).get().parse(csv)) {
            for (CSVRecord record : parser) {
                String first = record.get(0).replace("\uFEFF", "");
                if (record.getRecordNumber() == 1 && first.toLowerCase(Locale.ROOT).equals("email")) {
                    continue;
                }
                if (++rows > MAX_ROWS) {
                    throw new InvalidRequestException("file", "must hold at most " + MAX_ROWS + " rows");
                }
                String reason = (record.size() > 1 && !record.get(1).isBlank()) ? record.get(1) : DEFAULT_REASON;
                try {
                    validator.validate(new SuppressionRequest(first, reason));
                }
                catch (InvalidRequestException ex) {
                    rejected++;
                    if (problems.size() < MAX_LISTED) {
                        FieldProblem problem = ex.problems().get(0);
                        problems.add(new RowProblem(parser.getCurrentLineNumber(), problem.field(), problem.message()));
                    }
                    continue;
                }
                emails.add(first);
                reasons.add(reason);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (IllegalStateException | UncheckedIOException ex) {
            // Commons CSV reports a malformed file (an unclosed quote) this way.
            throw new InvalidRequestException("file", "is not CSV: " + ex.getMessage());
        }
        TransactionTemplate transaction = new TransactionTemplate(transactions);
        long suppressed = transaction.execute((status) -> {
            long written = 0;
            for (int from = 0; from < emails.size(); from += BATCH) {
                int to = Math.min(emails.size(), from + BATCH);
                written += suppressions.suppressAll(emails.subList(from, to), reasons.subList(from, to));
            }
            return written;
        });
        return new Imported(rows, suppressed, rejected, problems);
    }

}
