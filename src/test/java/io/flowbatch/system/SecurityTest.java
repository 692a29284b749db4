package io.flowbatch.system;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** README, API: who may call what, and the 401/403 answers. */
@FlowbatchTest
class SecurityTest {

    @Autowired
    MockMvc mvc;

    @Test
    void intakeNeedsTheApiKey() throws Exception {
        mvc.perform(post("/api/events").contentType(MediaType.APPLICATION_JSON).content("[]"))
            .andExpect(status().isUnauthorized())
            .andExpect(header().exists("WWW-Authenticate"));
        mvc.perform(
                post("/api/events").header("X-Api-Key", "wrong").contentType(MediaType.APPLICATION_JSON).content("[]"))
            .andExpect(status().isUnauthorized());
        mvc.perform(post("/api/customers").header("X-Api-Key", FlowbatchTest.API_KEY)
            .contentType(MediaType.APPLICATION_JSON)
            .content("[]")).andExpect(status().isBadRequest());
    }

    @Test
    void adminCredentialsDoNotOpenIntakeAndTheApiKeyDoesNotOpenAdmin() throws Exception {
        mvc.perform(post("/api/events").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD))
            .contentType(MediaType.APPLICATION_JSON)
            .content("[]")).andExpect(status().isForbidden());
        mvc.perform(get("/api/admin/jobs").header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isForbidden());
        mvc.perform(get("/api/admin/jobs").with(httpBasic(FlowbatchTest.ADMIN_USER, "wrong")))
            .andExpect(status().isUnauthorized());
        mvc.perform(get("/api/admin/jobs")).andExpect(status().isUnauthorized());
    }

    @Test
    void browsersAreNotChallengedForBasicCredentialsTheyWouldKeepForOtherSitesToRideOn() throws Exception {
        mvc.perform(post("/api/admin/jobs/flowExecution/launch").accept(MediaType.TEXT_HTML))
            .andExpect(status().isUnauthorized())
            .andExpect(header().doesNotExist("WWW-Authenticate"));
    }

    @Test
    void actuatorIsForTheAdminExceptHealth() throws Exception {
        mvc.perform(get("/actuator/health")).andExpect(status().isOk());
        mvc.perform(get("/actuator/metrics")).andExpect(status().isUnauthorized());
        mvc.perform(get("/actuator/metrics").header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isUnauthorized());
        mvc.perform(get("/actuator/metrics").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk());
    }

    /**
     * {@code curl /actuator/env} got a 302 to the login page: a machine client gets 401,
     * then 404.
     */
    @Test
    void anUnknownActuatorPathIsUnauthorizedThenNotFoundNeverARedirect() throws Exception {
        mvc.perform(get("/actuator/env")).andExpect(status().isUnauthorized());
        mvc.perform(get("/actuator/env").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isNotFound());
        mvc.perform(get("/api/nothing-here")).andExpect(status().isUnauthorized());
        mvc.perform(
                get("/api/admin/nothing-here").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isNotFound());
    }

    @Test
    void adminPagesAskBrowsersToLogInAndFormsNeedCsrfTokens() throws Exception {
        mvc.perform(get("/admin").accept(MediaType.TEXT_HTML))
            .andExpect(status().isFound())
            .andExpect(redirectedUrl("/login"));
        mvc.perform(post("/login").param("username", FlowbatchTest.ADMIN_USER)
            .param("password", FlowbatchTest.ADMIN_PASSWORD)).andExpect(status().isForbidden());
        mvc.perform(post("/login").with(csrf())
            .param("username", FlowbatchTest.ADMIN_USER)
            .param("password", FlowbatchTest.ADMIN_PASSWORD)).andExpect(status().isFound());
        mvc.perform(post("/login").with(csrf()).param("username", FlowbatchTest.ADMIN_USER).param("password", "wrong"))
            .andExpect(redirectedUrl("/login?error"));
    }

}
