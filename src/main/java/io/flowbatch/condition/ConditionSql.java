package io.flowbatch.condition;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.flowbatch.condition.PropertyPath.Source;

/**
 * Compiles a {@link Condition} into a SQL predicate over the rows a statement has at hand
 * (a {@link Scope}: the customer, the event, when the flow started, now). Every value of
 * the condition, a property's keys and a metric's name included, becomes a named
 * parameter; the SQL text holds only the compiler's own words and the scope's aliases.
 * The predicate is never NULL: a missing property or customer makes a test false, so
 * {@code not} means what it says.
 */
public final class ConditionSql {

    private static final Pattern SAFE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,30}");

    private final Scope scope;

    private final Map<String, Object> params = new LinkedHashMap<>();

    private int aliases;

    private ConditionSql(Scope scope) {
        this.scope = scope;
    }

    public static Predicate compile(Condition condition, Scope scope) {
        ConditionSql compiler = new ConditionSql(scope);
        String sql = compiler.predicate(condition, scope.event());
        return new Predicate(sql, Map.copyOf(compiler.params));
    }

    private String predicate(Condition condition, String event) {
        if (condition instanceof Condition.All all) {
            return all.conditions()
                .stream()
                .map((c) -> predicate(c, event))
                .collect(Collectors.joining(" AND ", "(", ")"));
        }
        if (condition instanceof Condition.Any any) {
            return any.conditions()
                .stream()
                .map((c) -> predicate(c, event))
                .collect(Collectors.joining(" OR ", "(", ")"));
        }
        if (condition instanceof Condition.Not not) {
            return "(NOT " + predicate(not.condition(), event) + ")";
        }
        if (condition instanceof Condition.PropertyTest test) {
            return "COALESCE(" + propertyTest(test, event) + ", false)";
        }
        return metricTest((Condition.MetricTest) condition);
    }

    private String propertyTest(Condition.PropertyTest test, String event) {
        String value = jsonValue(test.path(), event);
        String text = "(" + value + " #>> '{}')";
        Object v = test.value();
        return switch (test.op()) {
            case EQ -> equals(value, text, v);
            case NE -> "(" + equals(value, text, v) + ") IS NOT TRUE";
            case IN -> in(value, text, (List<?>) v);
            case CONTAINS -> (v instanceof BigDecimal number)
                    ? "(jsonb_typeof(" + value + ") = 'array' AND " + value + " @> jsonb_build_array(" + param(number)
                            + "::numeric))"
                    : "CASE jsonb_typeof(" + value + ") WHEN 'array' THEN " + value + " @> jsonb_build_array("
                            + param(v) + "::text) WHEN 'string' THEN strpos(lower(" + text + "), lower(" + param(v)
                            + "::text)) > 0 ELSE false END";
            // A JSON null is no value: absent and null alike do not exist.
            case EXISTS ->
                ((Boolean.TRUE.equals(v)) ? "" : "NOT ") + "COALESCE(jsonb_typeof(" + value + ") <> 'null', false)";
            case GT -> "condition_number(" + value + ") > " + param(v);
            case GTE -> "condition_number(" + value + ") >= " + param(v);
            case LT -> "condition_number(" + value + ") < " + param(v);
            case LTE -> "condition_number(" + value + ") <= " + param(v);
            case BEFORE -> "condition_instant(" + value + ") < " + instant(v);
            case AFTER -> "condition_instant(" + value + ") > " + instant(v);
        };
    }

    private String equals(String value, String text, Object v) {
        if (v instanceof BigDecimal number) {
            return "condition_number(" + value + ") = " + param(number);
        }
        return text + " = " + param(String.valueOf(v)) + "::text";
    }

    private String in(String value, String text, List<?> values) {
        if (values.stream().allMatch(BigDecimal.class::isInstance)) {
            String[] numbers = values.stream().map((n) -> ((BigDecimal) n).toPlainString()).toArray(String[]::new);
            return "condition_number(" + value + ") = ANY(" + param(numbers) + "::numeric[])";
        }
        String[] texts = values.stream()
            .map((v) -> (v instanceof BigDecimal number) ? number.toPlainString() : String.valueOf(v))
            .toArray(String[]::new);
        return text + " = ANY(" + param(texts) + "::text[])";
    }

    private String instant(Object v) {
        if (v instanceof Duration duration) {
            return "(" + scope.now() + " - make_interval(secs => " + param(duration.toSeconds()) + "))";
        }
        return param(OffsetDateTime.ofInstant((Instant) v, ZoneOffset.UTC)) + "::timestamptz";
    }

    /**
     * The tested value as jsonb: NULL when the customer, the event or the key is absent.
     */
    private String jsonValue(PropertyPath path, String event) {
        Source source = path.source();
        if (!source.isProperties()) {
            return "to_jsonb(" + scope.customer() + "." + source.column() + ")";
        }
        String row = source.isEvent() ? event : scope.customer();
        if (row == null) {
            return "NULL::jsonb";
        }
        return "(" + row + ".properties #> " + param(path.keys().toArray(String[]::new)) + "::text[])";
    }

    /**
     * Counts at most {@code atLeast} matching events, so a customer with a long history
     * costs no more than one with just enough.
     */
    private String metricTest(Condition.MetricTest test) {
        String m = scope.prefix() + "m" + (aliases++);
        StringBuilder events = new StringBuilder("SELECT 1 FROM event ").append(m)
            .append(" WHERE ")
            .append(m)
            .append(".customer_id = ")
            .append(scope.customer())
            .append(".id AND ")
            .append(m)
            .append(".metric = ")
            .append(param(test.metric()))
            .append("::text");
        if (test.since() instanceof Condition.Since.FlowStart) {
            events.append(" AND ").append(m).append(".occurred_at >= ").append(scope.flowStart());
        }
        else if (test.since() instanceof Condition.Since.Within within) {
            events.append(" AND ").append(m).append(".occurred_at >= ").append(instant(within.duration()));
        }
        if (test.where() != null) {
            events.append(" AND ").append(predicate(test.where(), m));
        }
        String found = (test.atLeast() == 1) ? "EXISTS (" + events + ")" : "((SELECT count(*) FROM (" + events
                + " LIMIT " + param(test.atLeast()) + ") " + m + "_n) >= " + param(test.atLeast()) + ")";
        return test.done() ? found : "(NOT " + found + ")";
    }

    private String param(Object value) {
        String name = scope.prefix() + params.size();
        params.put(name, value);
        return ":" + name;
    }

    /**
     * The rows a predicate reads, as the statement that runs it names them.
     *
     * @param customer the alias of the customer row ({@code customer} table columns)
     * @param event the alias of the triggering event row, or null when there is none
     * (event properties then exist for no one)
     * @param flowStart SQL for when the flow started for the row
     * @param now SQL for now
     * @param prefix the start of every parameter name, distinct per predicate of one
     * statement
     */
    public record Scope(String customer, String event, String flowStart, String now, String prefix) {

        public Scope {
            if (!SAFE_NAME.matcher(customer).matches() || (event != null && !SAFE_NAME.matcher(event).matches())
                    || !SAFE_NAME.matcher(prefix).matches()) {
                throw new IllegalArgumentException("aliases and prefixes are plain SQL names");
            }
        }

        /** The same rows, with parameters named from {@code prefix}. */
        public Scope withPrefix(String prefix) {
            return new Scope(customer, event, flowStart, now, prefix);
        }

    }

    /**
     * A compiled condition: SQL that is true or false per row, and the values of its
     * named parameters.
     */
    public record Predicate(String sql, Map<String, Object> params) {

        /** A predicate that holds for every row: no filter. */
        public static final Predicate ALWAYS = new Predicate("true", Map.of());

    }

}
