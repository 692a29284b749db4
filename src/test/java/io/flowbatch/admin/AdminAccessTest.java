package io.flowbatch.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

/**
 * Every admin endpoint and page, found from the application's own request mappings (so
 * one added later cannot be forgotten here): the REST API answers 401 without credentials
 * and 403 with the intake API key; the pages send anonymous and API-key callers to the
 * login page; a page's form without its CSRF token is refused even for a logged-in admin.
 * Nothing of it changes state.
 */
@FlowbatchTest
class AdminAccessTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void everyAdminEndpointNeedsTheAdminUser() throws Exception {
        List<String> refused = new ArrayList<>();
        List<String> endpoints = endpoints("/api/admin");
        assertThat(endpoints).as("the admin API's endpoints").hasSizeGreaterThanOrEqualTo(14);
        for (String endpoint : endpoints) {
            String[] parts = endpoint.split(" ", 2);
            int anonymous = mvc
                .perform(request(HttpMethod.valueOf(parts[0]), parts[1]).contentType(MediaType.APPLICATION_JSON)
                    .content("{}"))
                .andReturn()
                .getResponse()
                .getStatus();
            int withApiKey = mvc
                .perform(request(HttpMethod.valueOf(parts[0]), parts[1]).header("X-Api-Key", FlowbatchTest.API_KEY)
                    .contentType(MediaType.APPLICATION_JSON)
                    .content("{}"))
                .andReturn()
                .getResponse()
                .getStatus();
            refused.add(endpoint + " anonymous " + anonymous + ", api key " + withApiKey);
        }
        assertThat(refused).allMatch((line) -> line.endsWith("anonymous 401, api key 403"));
    }

    @Test
    void everyAdminPageSendsStrangersToTheLoginPage() throws Exception {
        List<String> pages = endpoints("/admin");
        assertThat(pages).as("the admin pages").hasSizeGreaterThanOrEqualTo(10);
        long executions = executions();
        for (String page : pages) {
            String[] parts = page.split(" ", 2);
            for (boolean apiKey : List.of(false, true)) {
                var request = request(HttpMethod.valueOf(parts[0]), parts[1]).with(csrf());
                if (apiKey) {
                    request.header("X-Api-Key", FlowbatchTest.API_KEY);
                }
                MvcResult result = mvc.perform(request).andReturn();
                assertThat(result.getResponse().getStatus()).as(page).isEqualTo(302);
                assertThat(result.getResponse().getRedirectedUrl()).as(page).endsWith("/login");
            }
        }
        assertThat(executions()).as("job executions: none launched").isEqualTo(executions);
    }

    @Test
    void everyPageFormNeedsItsCsrfToken() throws Exception {
        List<String> forms = endpoints("/admin").stream().filter((e) -> e.startsWith("POST ")).toList();
        assertThat(forms).hasSizeGreaterThanOrEqualTo(5);
        long executions = executions();
        for (String form : forms) {
            int status = mvc.perform(request(HttpMethod.POST, form.substring(5)).with(user("admin").roles("ADMIN")))
                .andReturn()
                .getResponse()
                .getStatus();
            assertThat(status).as(form).isEqualTo(403);
        }
        assertThat(executions()).as("job executions: none launched").isEqualTo(executions);
    }

    private long executions() {
        return data.jdbc().sql("SELECT count(*) FROM batch_job_execution").query(Long.class).single();
    }

    /**
     * "METHOD /path" for every mapping under the prefix, path variables filled with 1 (or
     * a word where one is expected).
     */
    private List<String> endpoints(String prefix) {
        Set<String> endpoints = new TreeSet<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> mapping : mappings.getHandlerMethods().entrySet()) {
            Set<RequestMethod> methods = mapping.getKey().getMethodsCondition().getMethods();
            for (String pattern : mapping.getKey().getPatternValues()) {
                if (!pattern.equals(prefix) && !pattern.startsWith(prefix + "/")) {
                    continue;
                }
                String path = pattern.replace("{jobName}", "flowExecution")
                    .replace("{operation}", "restart")
                    .replaceAll("\\{[^}]+}", "1");
                for (RequestMethod method : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
                    endpoints.add(method.name() + " " + path);
                }
            }
        }
        return List.copyOf(endpoints);
    }

}
