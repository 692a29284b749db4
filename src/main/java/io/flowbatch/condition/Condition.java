package io.flowbatch.condition;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A condition as the API states it, read and checked: a property test, a metric test, or
 * {@code all} / {@code any} / {@code not} of others.
 */
public sealed interface Condition {

    /** Every one of {@code conditions} holds. */
    record All(List<Condition> conditions) implements Condition {
    }

    /** At least one of {@code conditions} holds. */
    record Any(List<Condition> conditions) implements Condition {
    }

    /** {@code condition} does not hold. */
    record Not(Condition condition) implements Condition {
    }

    /**
     * A property compared with a value.
     *
     * @param value a {@link String}, {@link BigDecimal}, {@link Boolean}, {@link Instant}
     * or {@link Duration} (before and after: that long before now), or a list of strings,
     * numbers and booleans for {@code in}; for {@code exists}, whether the property
     * should exist
     */
    record PropertyTest(PropertyPath path, Operator op, Object value) implements Condition {
    }

    /**
     * The customer did (or did not) do {@code metric} at least {@code atLeast} times,
     * counting only events since {@code since} and matching {@code where}.
     *
     * @param since when counting starts; null: ever
     * @param where a condition on the counted event ({@code event.properties.*}), or null
     */
    record MetricTest(String metric, boolean done, Since since, int atLeast, Condition where) implements Condition {
    }

    /** Where a metric test starts counting. */
    sealed interface Since {

        /** Since the flow started for this customer (the triggering event's time). */
        record FlowStart() implements Since {
        }

        /** Within this long before now. */
        record Within(Duration duration) implements Since {
        }

    }

    /** The comparisons a property test makes. */
    enum Operator {

        EQ, NE, IN, CONTAINS, EXISTS, GT, GTE, LT, LTE, BEFORE, AFTER;

        /** As the API spells it. */
        public String apiName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

    }

}
