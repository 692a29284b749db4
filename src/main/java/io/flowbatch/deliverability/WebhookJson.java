package io.flowbatch.deliverability;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reading a provider's JSON without trusting its shape. */
final class WebhookJson {

    private WebhookJson() {
    }

    static JsonNode parse(JsonMapper json, String body) {
        try {
            JsonNode node = json.readTree(body);
            if (node == null || node.isMissingNode() || node.isNull()) {
                throw WebhookRejected.unreadable("an empty body");
            }
            return node;
        }
        catch (JacksonException ex) {
            throw WebhookRejected.unreadable("not JSON: " + ex.getOriginalMessage());
        }
    }

    /** The field's text, or null when it is absent, null or not a scalar. */
    static String text(JsonNode node, String field) {
        JsonNode value = (node != null) ? node.get(field) : null;
        return (value != null && value.isValueNode() && !value.isNull()) ? value.asString() : null;
    }

    /** The text at a path of fields, or null. */
    static String text(JsonNode node, String... path) {
        JsonNode current = node;
        for (int i = 0; i < path.length - 1 && current != null; i++) {
            current = current.get(path[i]);
        }
        return text(current, path[path.length - 1]);
    }

}
