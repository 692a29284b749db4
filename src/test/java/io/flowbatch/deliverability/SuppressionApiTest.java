package io.flowbatch.deliverability;

import java.time.Duration;
import java.time.Instant;

import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The suppression list through the admin API, on real PostgreSQL, Redis and SMTP: an
 * address added is never mailed (the next chunk skips it with the reason), is listed and
 * found by address, and once removed is mailed again; bad input writes nothing.
 */
@FlowbatchTest
class SuppressionApiTest {

    @Autowired
    Fixtures fixture;

    @Autowired
    MockMvc mvc;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void aSuppressedAddressIsSkippedWithItsReasonListedAndMailedAgainOnceRemoved() throws Exception {
        fixture.checkoutFlow("Cart");
        fixture.customers(0, 3);
        mvc.perform(admin(post("/api/admin/suppressions")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"email\": \" Customer1@Example.com \", \"reason\": \"asked by phone\"}"))
            .andExpect(status().isCreated())
            .andExpect(jsonPath("$.email").value(Fixtures.email(1)))
            .andExpect(jsonPath("$.reason").value("asked by phone"));
        mvc.perform(admin(post("/api/admin/suppressions")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"email\": \"stranger@example.com\", \"reason\": \"spam trap\"}"))
            .andExpect(status().isCreated());
        fixture.events(Fixtures.TRIGGER, 0, 3, Instant.now().minus(Duration.ofHours(2)));

        fixture.runMinute();

        assertThat(fixture.smtp().received()).extracting((received) -> received.recipient())
            .containsExactlyInAnyOrder(Fixtures.email(0), Fixtures.email(2));
        assertThat(fixture.count("state = 'SKIPPED' AND reason = 'customer suppressed: asked by phone'")).isOne();
        mvc.perform(admin(get("/api/admin/suppressions")))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.total").value(2))
            .andExpect(jsonPath("$.items[0].email").value("stranger@example.com"));
        mvc.perform(admin(get("/api/admin/suppressions").param("email", "customer1")))
            .andExpect(jsonPath("$.total").value(1))
            .andExpect(jsonPath("$.items[0].reason").value("asked by phone"));

        mvc.perform(admin(delete("/api/admin/suppressions").param("email", Fixtures.email(1))))
            .andExpect(status().isNoContent());
        mvc.perform(admin(delete("/api/admin/suppressions").param("email", Fixtures.email(1))))
            .andExpect(status().isNotFound());
        fixture.events(Fixtures.TRIGGER, 1, 2, Instant.now().minus(Duration.ofHours(2)));
        fixture.runMinute();
        assertThat(fixture.smtp().received()).extracting((received) -> received.recipient())
            .contains(Fixtures.email(1));
    }

    @Test
    void aBadSuppressionIsABadRequestNamingTheFieldAndWritesNothing() throws Exception {
        mvc.perform(admin(post("/api/admin/suppressions")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"email\": \"not an address\", \"reason\": \"\"}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("email"))
            .andExpect(jsonPath("$.errors[1].field").value("reason"));
        mvc.perform(admin(get("/api/admin/suppressions").param("size", "0")))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("size"));
        mvc.perform(post("/api/admin/suppressions").contentType(MediaType.APPLICATION_JSON)
            .content("{\"email\": \"jane@example.com\", \"reason\": \"x\"}")).andExpect(status().isUnauthorized());

        assertThat(fixture.data().count("customer")).isZero();
    }

    @Test
    void anImportedCsvSuppressesItsGoodRowsAndReportsEachBadOneByLine() throws Exception {
        fixture.customers(0, 2);
        String csv = "\uFEFFemail,reason\r\n" + Fixtures.email(0) + ",\"bounced at the old ESP, 2025\"\r\n"
                + "not an address,typo\r\n" + "\r\n" + "new@example.org,\r\n" + "NEW@example.org,again\r\n"
                + "bad@example.org,\"line\u0007break\"\r\n";

        mvc.perform(admin(post("/api/admin/suppressions/import")).contentType("text/csv").content(csv))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.rows").value(5))
            .andExpect(jsonPath("$.suppressed").value(2))
            .andExpect(jsonPath("$.rejected").value(2))
            .andExpect(jsonPath("$.problems[0].line").value(3))
            .andExpect(jsonPath("$.problems[0].field").value("email"))
            .andExpect(jsonPath("$.problems[1].line").value(7))
            .andExpect(jsonPath("$.problems[1].field").value("reason"));

        mvc.perform(admin(get("/api/admin/suppressions").param("reason", "OLD ESP")))
            .andExpect(jsonPath("$.total").value(1))
            .andExpect(jsonPath("$.items[0].email").value(Fixtures.email(0)))
            .andExpect(jsonPath("$.items[0].reason").value("bounced at the old ESP, 2025"));
        mvc.perform(admin(get("/api/admin/suppressions").param("email", "new@")))
            .andExpect(jsonPath("$.items[0].reason").value("imported"));
        mvc.perform(admin(get("/api/admin/suppressions").param("since", "2999-01-01")))
            .andExpect(jsonPath("$.total").value(0));
        mvc.perform(admin(get("/api/admin/suppressions").param("since", "yesterday")))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("since"));
    }

    @Test
    void aFileThatIsNotCsvWritesNothing() throws Exception {
        String csv = "a@example.com,fine\r\nb@example.com,\"never closed\r\n";

        mvc.perform(admin(post("/api/admin/suppressions/import")).contentType("text/csv").content(csv))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("file"));

        assertThat(fixture.data().count("customer")).isZero();
    }

    @Test
    void theSuppressionPageFindsAnAddressAndRemovesIt() throws Exception {
        mvc.perform(admin(post("/api/admin/suppressions")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"email\": \"jane@example.com\", \"reason\": \"asked by phone\"}"));
        mvc.perform(admin(post("/api/admin/suppressions")).contentType(MediaType.APPLICATION_JSON)
            .content("{\"email\": \"joe@example.com\", \"reason\": \"hard bounce: 550 5.1.1\"}"));

        mvc.perform(get("/admin/suppressions").param("reason", "phone").with(user()))
            .andExpect(status().isOk())
            .andExpect(content().string(containsString("jane@example.com")))
            .andExpect(content().string(not(containsString("joe@example.com"))));
        mvc.perform(post("/admin/suppressions/remove").param("email", "jane@example.com").with(user()).with(csrf()))
            .andExpect(status().is3xxRedirection());

        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT email FROM customer WHERE suppressed_at IS NOT NULL")
            .query(String.class)
            .list()).containsExactly("joe@example.com");
    }

    private static RequestPostProcessor user() {
        return SecurityMockMvcRequestPostProcessors.user(FlowbatchTest.ADMIN_USER).roles("ADMIN");
    }

    private static MockHttpServletRequestBuilder admin(MockHttpServletRequestBuilder request) {
        return request.with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD));
    }

}
