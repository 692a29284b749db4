package io.flowbatch.delivery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.io.JsonStringEncoder;

/**
 * The only values a template can reach, as plain maps: no Java object, bean or class is
 * ever put in a template's context.
 */
public record TemplateVariables(Map<String, Object> customer, Map<String, Object> event, String unsubscribeUrl) {

    /** Names of the context variables, as templates write them. */
    static final String CUSTOMER = "customer";

    static final String EVENT = "event";

    static final String UNSUBSCRIBE_URL = "unsubscribeUrl";

    public static TemplateVariables of(String email, String firstName, String lastName,
            Map<String, Object> customerProperties, Map<String, Object> eventProperties, String unsubscribeUrl) {
        Map<String, Object> customer = new LinkedHashMap<>();
        customer.put("email", email);
        customer.put("firstName", firstName);
        customer.put("lastName", lastName);
        customer.put("properties", (customerProperties != null) ? customerProperties : Map.of());
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("properties", (eventProperties != null) ? eventProperties : Map.of());
        return new TemplateVariables(customer, event, unsubscribeUrl);
    }

    /**
     * The same values with every text escaped as the inside of a JSON string: for a
     * template whose output is JSON.
     */
    TemplateVariables jsonEscaped() {
        @SuppressWarnings("unchecked")
        Map<String, Object> escapedCustomer = (Map<String, Object>) escape(customer);
        @SuppressWarnings("unchecked")
        Map<String, Object> escapedEvent = (Map<String, Object>) escape(event);
        return new TemplateVariables(escapedCustomer, escapedEvent, (String) escape(unsubscribeUrl));
    }

    private static Object escape(Object value) {
        if (value instanceof String text) {
            return new String(JsonStringEncoder.getInstance().quoteAsCharArray(text));
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> escaped = new LinkedHashMap<>();
            map.forEach((key, inner) -> escaped.put(String.valueOf(key), escape(inner)));
            return escaped;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(TemplateVariables::escape).toList();
        }
        return value;
    }

    Map<String, Object> asMap() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put(CUSTOMER, customer);
        variables.put(EVENT, event);
        variables.put(UNSUBSCRIBE_URL, unsubscribeUrl);
        return variables;
    }

}
