package io.flowbatch.condition;

import java.util.List;

/**
 * What a property test reads: one of the customer's own fields, or a key (with nested
 * keys) of the customer's or the event's properties.
 *
 * @param keys the keys under {@code properties}, outermost first; empty for a field
 */
public record PropertyPath(Source source, List<String> keys) {

    /** Where the value comes from. */
    public enum Source {

        CUSTOMER_EMAIL("customer.email", "email"), CUSTOMER_FIRST_NAME("customer.firstName", "first_name"),
        CUSTOMER_LAST_NAME("customer.lastName", "last_name"), CUSTOMER_TIMEZONE("customer.timezone", "timezone"),
        CUSTOMER_PROPERTIES("customer.properties", "properties"), EVENT_PROPERTIES("event.properties", "properties");

        private final String apiName;

        private final String column;

        Source(String apiName, String column) {
            this.apiName = apiName;
            this.column = column;
        }

        public String apiName() {
            return apiName;
        }

        String column() {
            return column;
        }

        boolean isProperties() {
            return this == CUSTOMER_PROPERTIES || this == EVENT_PROPERTIES;
        }

        boolean isEvent() {
            return this == EVENT_PROPERTIES;
        }

    }

}
