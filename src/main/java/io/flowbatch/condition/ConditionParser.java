package io.flowbatch.condition;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.flowbatch.condition.Condition.Operator;
import io.flowbatch.condition.Condition.Since;
import io.flowbatch.condition.PropertyPath.Source;
import io.flowbatch.system.FieldProblem;
import tools.jackson.databind.JsonNode;

/**
 * Reads a condition's JSON into a {@link Condition}, or names every field that is wrong
 * with it. Limits keep a condition small enough to compile and to run per chunk: a
 * condition nested deeper than {@link #MAX_DEPTH} or with more than {@link #MAX_TESTS}
 * tests is refused, not truncated.
 */
public final class ConditionParser {

    public static final int MAX_DEPTH = 8;

    public static final int MAX_TESTS = 64;

    static final int MAX_TEXT = 1_000;

    static final int MAX_LIST = 500;

    static final int MAX_KEYS = 5;

    static final int MAX_KEY_LENGTH = 100;

    static final int MAX_AT_LEAST = 1_000;

    /** Larger numbers are an input error, not a threshold anyone means. */
    static final BigDecimal MAX_NUMBER = new BigDecimal("1e15");

    static final int MAX_SCALE = 10;

    static final Duration MAX_DURATION = Duration.ofDays(3650);

    static final String FLOW_START = "flowStart";

    static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");

    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\\t]]");

    private static final Map<String, Source> FIELDS = Arrays.stream(Source.values())
        .filter((source) -> !source.isProperties())
        .collect(Collectors.toMap(Source::apiName, (source) -> source));

    private static final Set<String> PROPERTY_TEST_FIELDS = Set.of("property", "op", "value");

    private static final Set<String> METRIC_TEST_FIELDS = Set.of("metric", "done", "since", "atLeast", "where");

    private final List<FieldProblem> problems = new ArrayList<>();

    private int tests;

    private ConditionParser() {
    }

    /**
     * The condition at {@code field} of a request, or null with the problems added to
     * {@code problems}.
     */
    public static Condition parse(JsonNode node, String field, List<FieldProblem> problems) {
        ConditionParser parser = new ConditionParser();
        Condition condition = parser.condition(node, field, 1, false);
        if (parser.tests > MAX_TESTS && parser.problems.isEmpty()) {
            parser.problems.add(new FieldProblem(field, "has " + parser.tests + " tests; at most " + MAX_TESTS));
        }
        problems.addAll(parser.problems);
        return parser.problems.isEmpty() ? condition : null;
    }

    private Condition condition(JsonNode node, String field, int depth, boolean inMetric) {
        if (node == null || !node.isObject()) {
            return problem(field, "must be a condition object: {property, op, value}, {metric, ...}, "
                    + "{all: [..]}, {any: [..]} or {not: ..}");
        }
        if (depth > MAX_DEPTH) {
            return problem(field, "is nested more than " + MAX_DEPTH + " deep");
        }
        if (node.has("all") || node.has("any")) {
            String kind = node.has("all") ? "all" : "any";
            if (node.size() != 1) {
                return problem(field, "'" + kind + "' must be the object's only field");
            }
            JsonNode list = node.get(kind);
            if (!list.isArray() || list.isEmpty()) {
                return problem(field + "." + kind, "must be a non-empty array of conditions");
            }
            if (list.size() > MAX_TESTS) {
                return problem(field + "." + kind, "must have at most " + MAX_TESTS + " conditions");
            }
            List<Condition> conditions = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                conditions.add(condition(list.get(i), field + "." + kind + "[" + i + "]", depth + 1, inMetric));
            }
            return kind.equals("all") ? new Condition.All(conditions) : new Condition.Any(conditions);
        }
        if (node.has("not")) {
            if (node.size() != 1) {
                return problem(field, "'not' must be the object's only field");
            }
            Condition inner = condition(node.get("not"), field + ".not", depth + 1, inMetric);
            return new Condition.Not(inner);
        }
        tests++;
        if (node.has("metric")) {
            if (inMetric) {
                return problem(field + ".metric", "a metric test's where cannot test another metric");
            }
            return metricTest(node, field, depth);
        }
        if (node.has("property")) {
            return propertyTest(node, field, inMetric);
        }
        return problem(field, "must have one of: property, metric, all, any, not");
    }

    private Condition metricTest(JsonNode node, String field, int depth) {
        unknownFields(node, field, METRIC_TEST_FIELDS);
        String metric = text(node.get("metric"), field + ".metric", 200);
        boolean done = true;
        if (node.has("done")) {
            if (!node.get("done").isBoolean()) {
                problem(field + ".done", "must be true or false");
            }
            else {
                done = node.get("done").booleanValue();
            }
        }
        Since since = null;
        if (node.has("since") && !node.get("since").isNull()) {
            JsonNode value = node.get("since");
            if (value.isString() && FLOW_START.equals(value.stringValue())) {
                since = new Since.FlowStart();
            }
            else {
                Duration duration = duration(value, field + ".since",
                        "must be \"flowStart\" or an ISO-8601 duration such as P30D");
                since = (duration != null) ? new Since.Within(duration) : null;
            }
        }
        int atLeast = 1;
        if (node.has("atLeast")) {
            JsonNode value = node.get("atLeast");
            if (!value.isIntegralNumber() || value.decimalValue().compareTo(BigDecimal.ONE) < 0
                    || value.decimalValue().compareTo(BigDecimal.valueOf(MAX_AT_LEAST)) > 0) {
                problem(field + ".atLeast", "must be a whole number from 1 to " + MAX_AT_LEAST);
            }
            else {
                atLeast = value.intValue();
            }
        }
        Condition where = null;
        if (node.has("where") && !node.get("where").isNull()) {
            where = condition(node.get("where"), field + ".where", depth + 1, true);
        }
        return new Condition.MetricTest(metric, done, since, atLeast, where);
    }

    private Condition propertyTest(JsonNode node, String field, boolean inMetric) {
        unknownFields(node, field, PROPERTY_TEST_FIELDS);
        PropertyPath path = path(node.get("property"), field + ".property");
        Operator op = operator(node.get("op"), field + ".op");
        if (path == null || op == null) {
            return null;
        }
        Object value = value(op, node.get("value"), field + ".value", path);
        return new Condition.PropertyTest(path, op, value);
    }

    private PropertyPath path(JsonNode node, String field) {
        String text = text(node, field, 600);
        if (text == null) {
            return null;
        }
        Source field1 = FIELDS.get(text);
        if (field1 != null) {
            return new PropertyPath(field1, List.of());
        }
        for (Source source : List.of(Source.CUSTOMER_PROPERTIES, Source.EVENT_PROPERTIES)) {
            String prefix = source.apiName() + ".";
            if (text.startsWith(prefix)) {
                List<String> keys = List.of(text.substring(prefix.length()).split("\\.", -1));
                if (keys.size() > MAX_KEYS) {
                    return problem(field, "names more than " + MAX_KEYS + " nested keys");
                }
                for (String key : keys) {
                    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
                        return problem(field, "has an empty key or one longer than " + MAX_KEY_LENGTH + " characters");
                    }
                }
                return new PropertyPath(source, keys);
            }
        }
        Set<String> known = new TreeSet<>(FIELDS.keySet());
        known.add("customer.properties.<key>");
        known.add("event.properties.<key>");
        return problem(field, "unknown property path '" + text + "'; known: " + String.join(", ", known));
    }

    private Operator operator(JsonNode node, String field) {
        if (node == null || !node.isString()) {
            return problem(field, "must be one of " + operators());
        }
        for (Operator op : Operator.values()) {
            if (op.apiName().equals(node.stringValue())) {
                return op;
            }
        }
        return problem(field, "must be one of " + operators());
    }

    private Object value(Operator op, JsonNode node, String field, PropertyPath path) {
        switch (op) {
            case EXISTS -> {
                if (node == null || node.isNull()) {
                    return Boolean.TRUE;
                }
                if (!node.isBoolean()) {
                    return problem(field, "must be true or false (or absent: true) for exists");
                }
                return node.booleanValue();
            }
            case IN -> {
                if (node == null || !node.isArray() || node.isEmpty() || node.size() > MAX_LIST) {
                    return problem(field, "must be an array of 1 to " + MAX_LIST + " strings, numbers or booleans");
                }
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < node.size(); i++) {
                    values.add(scalar(node.get(i), field + "[" + i + "]"));
                }
                return values;
            }
            case GT, GTE, LT, LTE -> {
                return number(node, field);
            }
            case BEFORE, AFTER -> {
                return instantOrDuration(node, field);
            }
            case CONTAINS -> {
                if (node != null && node.isNumber()) {
                    return number(node, field);
                }
                return text(node, field, MAX_TEXT);
            }
            default -> {
                if (!path.source().isProperties() && node != null && !node.isString()) {
                    return problem(field, "must be a string: " + path.source().apiName() + " is text");
                }
                return scalar(node, field);
            }
        }
    }

    private Object scalar(JsonNode node, String field) {
        if (node != null && node.isBoolean()) {
            return node.booleanValue();
        }
        if (node != null && node.isNumber()) {
            return number(node, field);
        }
        if (node != null && node.isString()) {
            return text(node, field, MAX_TEXT);
        }
        return problem(field, "must be a string, a number or a boolean");
    }

    private BigDecimal number(JsonNode node, String field) {
        if (node == null || !node.isNumber()) {
            return problem(field, "must be a number");
        }
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) && !node.isBigDecimal()) {
            return problem(field, "must be a finite number");
        }
        BigDecimal value = node.decimalValue();
        if (value.abs().compareTo(MAX_NUMBER) > 0 || value.stripTrailingZeros().scale() > MAX_SCALE) {
            return problem(field, "must be at most 1e15 in size with at most " + MAX_SCALE + " decimals");
        }
        return value.stripTrailingZeros();
    }

    private Object instantOrDuration(JsonNode node, String field) {
        String message = "must be an ISO-8601 date or instant (2026-01-31, 2026-01-31T09:00:00Z), "
                + "or a duration before now (P30D)";
        if (node == null || !node.isString()) {
            return problem(field, message);
        }
        String text = node.stringValue().strip();
        if (text.startsWith("P") || text.startsWith("p")) {
            return duration(node, field, message);
        }
        Instant instant;
        try {
            instant = (text.length() == 10) ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(text).toInstant();
        }
        catch (DateTimeException ex) {
            return problem(field, message);
        }
        // PostgreSQL's timestamps end in the year 294276: a year beyond would fail every
        // statement the condition is in.
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            return problem(field, "must be between the years 1900 and 9999");
        }
        return instant;
    }

    private Duration duration(JsonNode node, String field, String message) {
        if (node == null || !node.isString()) {
            return problem(field, message);
        }
        try {
            Duration duration = Duration.parse(node.stringValue().strip());
            if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
                return problem(field, "must be a duration from PT1S to P3650D");
            }
            return duration;
        }
        catch (DateTimeException ex) {
            return problem(field, message);
        }
    }

    private String text(JsonNode node, String field, int maxLength) {
        if (node == null || !node.isString() || node.stringValue().isBlank()) {
            return problem(field, "must be a non-empty string");
        }
        String text = node.stringValue();
        if (text.length() > maxLength) {
            return problem(field, "must be at most " + maxLength + " characters");
        }
        if (CONTROL.matcher(text).find()) {
            return problem(field, "must not contain control characters");
        }
        return text;
    }

    private void unknownFields(JsonNode node, String field, Set<String> known) {
        for (String name : node.propertyNames()) {
            if (!known.contains(name)) {
                problem(field + "." + name, "unknown field; a " + (known.contains("op") ? "property" : "metric")
                        + " test has " + new TreeSet<>(known));
            }
        }
    }

    private static String operators() {
        return Arrays.stream(Operator.values()).map(Operator::apiName).collect(Collectors.joining(", "));
    }

    private <T> T problem(String field, String message) {
        problems.add(new FieldProblem(field, message));
        return null;
    }

}
