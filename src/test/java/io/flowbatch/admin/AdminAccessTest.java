package io.flowbatch.admin;

import java.util.stream.Stream;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** Every admin endpoint: 401 without credentials, 403 with the intake API key. */
@FlowbatchTest
class AdminAccessTest {

    @Autowired
    MockMvc mvc;

    static Stream<Object[]> adminEndpoints() {
        return Stream.of(new Object[] { HttpMethod.GET, "/api/admin/jobs" },
                new Object[] { HttpMethod.GET, "/api/admin/jobs/flowExecution/executions" },
                new Object[] { HttpMethod.GET, "/api/admin/executions/1" },
                new Object[] { HttpMethod.POST, "/api/admin/executions/1/restart" },
                new Object[] { HttpMethod.POST, "/api/admin/executions/1/stop" },
                new Object[] { HttpMethod.POST, "/api/admin/executions/1/abandon" },
                new Object[] { HttpMethod.POST, "/api/admin/jobs/flowExecution/launch" },
                new Object[] { HttpMethod.GET, "/api/admin/actions/1/stats" },
                new Object[] { HttpMethod.GET, "/api/admin/evaluations" },
                new Object[] { HttpMethod.POST, "/api/admin/evaluations/requeue" },
                new Object[] { HttpMethod.POST, "/api/admin/evaluations/resolve" },
                new Object[] { HttpMethod.GET, "/api/admin/schedule" },
                new Object[] { HttpMethod.POST, "/api/admin/schedule/pause" },
                new Object[] { HttpMethod.POST, "/api/admin/schedule/resume" });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("adminEndpoints")
    void needsTheAdminUser(HttpMethod method, String path) throws Exception {
        mvc.perform(request(method, path).contentType(MediaType.APPLICATION_JSON).content("{}"))
            .andExpect(status().isUnauthorized());
        mvc.perform(request(method, path).header("X-Api-Key", FlowbatchTest.API_KEY)
            .contentType(MediaType.APPLICATION_JSON)
            .content("{}")).andExpect(status().isForbidden());
    }

}
