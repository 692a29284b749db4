package io.flowbatch.delivery;

import java.util.List;

import io.flowbatch.intake.CustomerRequest;
import io.flowbatch.intake.IntakeService;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** {@code /u/{token}}: signed, no login, GET confirms, POST (one-click) unsubscribes. */
@FlowbatchTest
class UnsubscribeTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    UnsubscribeLinks links;

    @Autowired
    IntakeService intake;

    @Autowired
    TestData data;

    long customerId;

    @BeforeEach
    void customer() {
        data.reset();
        intake.upsertCustomers(List.of(new CustomerRequest("jane@example.com", "Jane", null, null, null)));
        customerId = data.jdbc().sql("SELECT id FROM customer").query(Long.class).single();
    }

    @Test
    void getShowsAConfirmationAndChangesNothing() throws Exception {
        mvc.perform(get(path(links.url(customerId))))
            .andExpect(status().isOk())
            .andExpect(content().string(containsString("jane@example.com")));
        assertThat(subscription()).isEqualTo("SUBSCRIBED");
    }

    @Test
    void oneClickPostUnsubscribesWithoutLoginOrCsrfToken() throws Exception {
        mvc.perform(post(path(links.url(customerId))).contentType(MediaType.APPLICATION_FORM_URLENCODED)
            .content("List-Unsubscribe=One-Click")).andExpect(status().isOk());
        assertThat(subscription()).isEqualTo("UNSUBSCRIBED");
    }

    @Test
    void aForgedOrMalformedTokenIsNotFoundAndChangesNothing() throws Exception {
        String forged = links.url(customerId).replaceFirst("/u/\\d+\\.", "/u/" + (customerId + 1) + ".");
        mvc.perform(post(path(forged))).andExpect(status().isNotFound());
        mvc.perform(post("/u/garbage")).andExpect(status().isNotFound());
        mvc.perform(get("/u/" + customerId + ".AAAAAAAAAAAAAAAAAAAAAA")).andExpect(status().isNotFound());
        assertThat(subscription()).isEqualTo("SUBSCRIBED");
    }

    private String subscription() {
        return data.jdbc().sql("SELECT subscription FROM customer").query(String.class).single();
    }

    private static String path(String url) {
        return url.substring(url.indexOf("/u/"));
    }

}
