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
import org.springframework.test.web.servlet.ResultActions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Bounces and complaints reported through the admin API, on real PostgreSQL, Redis and
 * SMTP: a hard bounce suppresses the address and moves the evaluation to BOUNCED, a
 * complaint suppresses, unsubscribes and moves it to COMPLAINED, the next chunk skips
 * both with the reason, the same report twice changes nothing, and a Message-ID flowbatch
 * did not give suppresses nobody.
 */
@FlowbatchTest
class BounceApiTest {

    @Autowired
    Fixtures fixture;

    @Autowired
    MockMvc mvc;

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void aHardBounceAndAComplaintSuppressMoveTheirEvaluationsAndCountOnce() throws Exception {
        fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 3);
        fixture.runMinute();
        String bounced = fixture.messageIdSentTo(0);

        report("{\"messageId\": \"" + bounced
                + "\", \"type\": \"HARD\", \"diagnostic\": \"smtp; 550 5.1.1 no such user\"}")
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.outcome").value("APPLIED"))
            .andExpect(jsonPath("$.email").value(Fixtures.email(0)))
            .andExpect(jsonPath("$.state").value("BOUNCED"));
        report("{\"messageId\": \"" + bounced.substring(1, bounced.length() - 1) + "\", \"type\": \"HARD\"}")
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.outcome").value("DUPLICATE"));
        report("{\"messageId\": \"" + fixture.messageIdSentTo(1)
                + "\", \"type\": \"COMPLAINT\", \"diagnostic\": \"abuse\"}")
            .andExpect(jsonPath("$.state").value("COMPLAINED"));
        report("{\"email\": \"customer2@example.com\", \"type\": \"SOFT\", \"diagnostic\": \"mailbox full\"}")
            .andExpect(jsonPath("$.outcome").value("APPLIED"))
            .andExpect(jsonPath("$.suppressed").value(false));

        assertThat(fixture.count("state = 'BOUNCED' AND reason = 'bounced: smtp; 550 5.1.1 no such user'")).isOne();
        assertThat(fixture.count("state = 'COMPLAINED' AND reason = 'complained about: abuse'")).isOne();
        assertThat(fixture.data().count("delivery_event")).isEqualTo(3);
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT subscription FROM customer WHERE email = :email")
            .param("email", Fixtures.email(1))
            .query(String.class)
            .single()).isEqualTo("UNSUBSCRIBED");
        assertThat(fixture.data().count("delivery_log")).as("the delivery log keeps every send").isEqualTo(3);

        int sent = fixture.smtp().received().size();
        fixture.events(Fixtures.TRIGGER, 0, 3, Instant.now().minus(Duration.ofHours(2)));
        fixture.runMinute();
        assertThat(fixture.smtp().received()).hasSize(sent + 1);
        assertThat(fixture
            .count("state = 'SKIPPED' AND reason = 'customer suppressed: hard bounce: smtp; 550 5.1.1 no such user'"))
            .isOne();
        assertThat(fixture.count("state = 'SKIPPED' AND reason = 'customer suppressed: complaint: abuse'")).isOne();
    }

    @Test
    void aMessageIdFlowbatchDidNotGiveSuppressesNobody() throws Exception {
        fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 1);
        fixture.runMinute();
        String genuine = fixture.messageIdSentTo(0);

        report("{\"messageId\": \"" + genuine.replace("@", "@elsewhere.") + "\", \"type\": \"HARD\"}")
            .andExpect(status().isNotFound());
        report("{\"messageId\": \"<evaluation-999999@flowbatch.local>\", \"type\": \"HARD\"}")
            .andExpect(status().isNotFound());
        report("{\"messageId\": \"<CAF+123@mail.gmail.com>\", \"type\": \"COMPLAINT\"}")
            .andExpect(status().isNotFound());

        assertThat(fixture.data().count("delivery_event")).isZero();
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT count(*) FROM customer WHERE suppressed_at IS NOT NULL")
            .query(Long.class)
            .single()).isZero();
        assertThat(fixture.count("state = 'SENT'")).isOne();
    }

    @Test
    void aBadReportIsABadRequestNamingTheFieldAndWritesNothing() throws Exception {
        report("{\"type\": \"HARD\"}").andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("messageId"));
        report("{\"email\": \"jane@example.com\", \"messageId\": \"<a@b>\", \"type\": \"HARD\"}")
            .andExpect(status().isBadRequest());
        report("{\"email\": \"jane@example.com\", \"type\": \"BLOCKED\"}").andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("type"));
        report("{\"email\": \"not an address\", \"type\": \"HARD\"}").andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("email"));

        assertThat(fixture.data().count("delivery_event")).isZero();
        assertThat(fixture.data().count("customer")).isZero();
    }

    private ResultActions report(String body) throws Exception {
        return mvc
            .perform(post("/api/admin/bounces").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON)
                .content(body));
    }

}
