package io.flowbatch.intake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.flowbatch.system.FieldProblem;
import io.flowbatch.system.RequestValidator;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Takes customers and events in bulk. A request is validated whole before anything is
 * written, then written in one transaction with a fixed number of statements, whatever
 * its size.
 */
@Service
public class IntakeService {

    /** Before this, an event time is a bug in the sender, not history. */
    static final Instant EARLIEST_TIME = Instant.parse("1970-01-01T00:00:00Z");

    /** How far ahead of this clock a sender's clock may be. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofDays(1);

    private final CustomerRepository customers;

    private final EventRepository events;

    private final RequestValidator validator;

    private final JsonMapper json;

    private final IntakeProperties properties;

    private final Clock clock;

    IntakeService(CustomerRepository customers, EventRepository events, RequestValidator validator, JsonMapper json,
            IntakeProperties properties, Clock clock) {
        this.customers = customers;
        this.events = events;
        this.validator = validator;
        this.json = json;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Creates or updates customers by email; a later item for the same email wins over an
     * earlier one.
     */
    @Transactional
    public CustomersUpserted upsertCustomers(List<CustomerRequest> requests) {
        validator.validateItems(requests, properties.maxBatchSize());
        Map<String, CustomerRequest> byEmail = new LinkedHashMap<>();
        Map<String, Integer> lastIndex = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            String email = normalizeEmail(requests.get(i).email());
            byEmail.merge(email, requests.get(i), IntakeService::merge);
            lastIndex.put(email, i);
        }
        List<FieldProblem> problems = new ArrayList<>();
        List<CustomerRepository.CustomerRow> rows = new ArrayList<>(byEmail.size());
        byEmail.forEach((email,
                customer) -> rows.add(new CustomerRepository.CustomerRow(email, strip(customer.firstName()),
                        strip(customer.lastName()), customer.timezone(),
                        propertiesJson(customer.properties(), lastIndex.get(email), problems))));
        RequestValidator.throwIfAny(problems);
        // Rows are locked in statement order: a fixed order keeps two overlapping
        // requests from deadlocking.
        rows.sort(java.util.Comparator.comparing(CustomerRepository.CustomerRow::email));
        return customers.upsert(rows);
    }

    /** Two items for one customer: the later one's fields win, properties merge. */
    private static CustomerRequest merge(CustomerRequest earlier, CustomerRequest later) {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (earlier.properties() != null) {
            properties.putAll(earlier.properties());
        }
        if (later.properties() != null) {
            properties.putAll(later.properties());
        }
        return new CustomerRequest(later.email(), firstNonNull(later.firstName(), earlier.firstName()),
                firstNonNull(later.lastName(), earlier.lastName()), firstNonNull(later.timezone(), earlier.timezone()),
                properties);
    }

    /**
     * Stores events, creating unknown customers, and creates the evaluations of the live
     * flows they trigger. Events whose uniqueId is already stored are counted as
     * duplicates.
     */
    @Transactional
    public EventsAccepted ingestEvents(List<EventRequest> requests) {
        validator.validateItems(requests, properties.maxBatchSize());
        Instant now = clock.instant();
        List<FieldProblem> problems = new ArrayList<>();
        List<String> propertiesJson = new ArrayList<>(requests.size());
        Set<String> emails = new LinkedHashSet<>();
        for (int i = 0; i < requests.size(); i++) {
            EventRequest request = requests.get(i);
            propertiesJson.add(propertiesJson(request.properties(), i, problems));
            emails.add(normalizeEmail(request.email()));
            if (request.time() != null
                    && (request.time().isBefore(EARLIEST_TIME) || request.time().isAfter(now.plus(MAX_CLOCK_SKEW)))) {
                problems.add(new FieldProblem("[" + i + "].time",
                        "must be between " + EARLIEST_TIME + " and one day from now"));
            }
        }
        RequestValidator.throwIfAny(problems);

        Map<String, Long> customerIds = customers.ensure(new java.util.TreeSet<>(emails));
        List<EventRepository.EventRow> rows = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            EventRequest request = requests.get(i);
            rows.add(new EventRepository.EventRow(customerIds.get(normalizeEmail(request.email())),
                    request.metric().strip(), propertiesJson.get(i), (request.time() != null) ? request.time() : now,
                    request.uniqueId()));
        }
        // Unique ids are locked in statement order: sorted, overlapping requests cannot
        // deadlock.
        rows.sort(java.util.Comparator.comparing(EventRepository.EventRow::uniqueId,
                java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder())));
        EventRepository.Stored stored = events.insert(rows, now.minus(properties.maxTriggerAge()), now);
        return new EventsAccepted(stored.events(), requests.size() - stored.events(), stored.evaluations());
    }

    /** The unique key of a customer: trimmed, lower case. */
    static String normalizeEmail(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }

    private String propertiesJson(Map<String, Object> values, int index, List<FieldProblem> problems) {
        if (values == null || values.isEmpty()) {
            return "{}";
        }
        String text = json.writeValueAsString(values);
        if (text.length() > properties.maxPropertiesBytes()) {
            problems.add(new FieldProblem("[" + index + "].properties",
                    "must be at most " + properties.maxPropertiesBytes() + " characters as JSON"));
        }
        // PostgreSQL's jsonb refuses the NUL character; refuse it here with a clear
        // message.
        if (text.contains("\\u0000")) {
            problems.add(new FieldProblem("[" + index + "].properties", "must not contain the NUL character"));
        }
        return text;
    }

    private static String strip(String value) {
        return (value != null) ? value.strip() : null;
    }

    private static String firstNonNull(String first, String second) {
        return (first != null) ? first : second;
    }

}
