package io.flowbatch.system;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The OpenAPI description covers the public and admin API and is served to admins only.
 */
@FlowbatchTest
class OpenApiTest {

    @Autowired
    MockMvc mvc;

    @Test
    void describesIntakeFlowsAndAdminEndpointsForAdmins() throws Exception {
        mvc.perform(get("/v3/api-docs").with(httpBasic(FlowbatchTest.ADMIN_USER, FlowbatchTest.ADMIN_PASSWORD)))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.info.title").value("flowbatch"))
            .andExpect(jsonPath("$.paths['/api/events'].post").exists())
            .andExpect(jsonPath("$.paths['/api/flows'].post").exists())
            .andExpect(jsonPath("$.paths['/api/admin/executions/{id}/restart'].post").exists())
            .andExpect(jsonPath("$.paths['/api/admin/evaluations/requeue'].post").exists())
            .andExpect(jsonPath("$.components.securitySchemes.apiKey.name").value("X-Api-Key"));
        mvc.perform(get("/v3/api-docs")).andExpect(status().isUnauthorized());
        mvc.perform(get("/v3/api-docs").header("X-Api-Key", FlowbatchTest.API_KEY))
            .andExpect(status().isUnauthorized());
    }

}
