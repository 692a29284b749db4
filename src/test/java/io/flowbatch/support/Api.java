package io.flowbatch.support;

import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

/** Requests as API clients send them: JSON with the API key. */
public final class Api {

    private Api() {
    }

    public static MockHttpServletRequestBuilder postJson(String path, String json) {
        return post(path).header("X-Api-Key", FlowbatchTest.API_KEY)
            .contentType(MediaType.APPLICATION_JSON)
            .content(json);
    }

    public static MockHttpServletRequestBuilder putJson(String path, String json) {
        return put(path).header("X-Api-Key", FlowbatchTest.API_KEY)
            .contentType(MediaType.APPLICATION_JSON)
            .content(json);
    }

    /** A valid flow with one action per delay, all LIVE. */
    public static String flow(String name, String triggerMetric, String exitMetric, String... delays) {
        StringBuilder actions = new StringBuilder();
        for (String delay : delays) {
            if (!actions.isEmpty()) {
                actions.append(',');
            }
            actions
                .append("""
                        {"delay": "%s", "status": "LIVE", "email": {"from": "Shop <shop@example.com>",
                          "subject": "Hi [[${customer.firstName}]]",
                          "html": "<p>Hello [[${customer.firstName}]], <a th:href=\\"${unsubscribeUrl}\\">unsubscribe</a></p>",
                          "text": "Hello [[${customer.firstName}]]"}}
                        """
                    .formatted(delay));
        }
        return """
                {"name": "%s", "trigger": {"metric": "%s"}, "exitMetrics": ["%s"], "actions": [%s]}
                """.formatted(name, triggerMetric, exitMetric, actions);
    }

}
