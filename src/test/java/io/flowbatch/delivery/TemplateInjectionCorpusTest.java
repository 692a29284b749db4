package io.flowbatch.delivery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Server-side template injection, payload by payload: static access, bean references,
 * constructor calls, pre-processing, reflection through properties, the tab-for-space and
 * Spring-class bypasses of CVE-2026-40477/40478, the nested and double-dollar syntax of
 * CVE-2026-41901, and flowbatch's own removed processors. Every payload is refused when a
 * flow is saved (400, nothing written), and inert when it reaches the renderer anyway (a
 * template written before validation existed, or a bug in it): it either fails that one
 * item or renders as text, never running. Payloads that would touch the file system aim
 * at a canary file that must not appear.
 */
@FlowbatchTest
class TemplateInjectionCorpusTest {

    static final Path CANARY = Path.of("target", "ssti-canary");

    static final String CREATE = "new java.io.File('" + CANARY + "').createNewFile()";

    static final String SECRET = System.getProperty("java.home");

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    private final TemplateSandbox sandbox = new TemplateSandbox();

    /** Mutable maps, so that a payload that manages to write would show. */
    private final TemplateVariables jane = TemplateVariables.of("jane@example.com", "Jane", "Doe",
            new HashMap<>(Map.of("tier", "gold")), new HashMap<>(Map.of("cartUrl", "https://shop.example.com/c/1")),
            "https://flowbatch.example.com/u/token");

    static Stream<Arguments> payloads() {
        List<String> expressions = List.of(
                // static access and constructors
                "T(java.lang.System).getProperty('java.home')", "T (java.lang.System).getProperty('java.home')",
                "T(\tjava.lang.System).getProperty('java.home')", CREATE,
                "new\tjava.io.File('" + CANARY + "').createNewFile()",
                "new\njava.io.File('" + CANARY + "').createNewFile()",
                "T(java.lang.Runtime).getRuntime().exec('touch " + CANARY + "')",
                "T(org.springframework.util.ReflectionUtils).findMethod(T(java.lang.System), 'getProperty', ''.getClass())",
                "T(org.springframework.util.FileCopyUtils).copy('x'.getBytes(), new java.io.File('" + CANARY + "'))",
                "T(org.springframework.util.StreamUtils).copyToString(new java.io.FileInputStream('/etc/hostname'), "
                        + "T(java.nio.charset.StandardCharsets).UTF_8)",
                // bean references and the context's utility objects
                "@templateSandbox", "@environment.getProperty('java.home')", "&templateSandbox", "#ctx", "#root",
                "#this.getClass()", "#vars", "#execInfo", "#request", "#strings.getClass()",
                // reflection through properties
                "customer.getClass()", "customer.class", "customer['class']", "customer.properties.getClass()",
                "customer.properties['tier'].getClass().forName('java.lang.Runtime')",
                "''.getClass().forName('java.lang.Runtime')",
                "customer.firstName.class.forName('java.lang.System').getProperty('java.home')",
                "customer.properties.put('tier', 'x')", "event.properties.clear()", "customer.firstName.toUpperCase()",
                // projections, selections, assignment
                "customer.properties.?[true]", "customer.properties.![key]", "customer.firstName = 'x'");
        List<Arguments> arguments = new ArrayList<>();
        for (String expression : expressions) {
            arguments.add(Arguments.of("${" + expression + "}", "[[${" + expression + "}]]"));
            arguments.add(Arguments.of("pre-processed", "<p th:text=\"__${" + expression + "}__\">x</p>"));
        }
        for (String template : List.of("[[$${T(java.lang.System).getProperty('java.home')}]]",
                "[[#{${T(java.lang.System).getProperty('java.home')}}]]",
                "[[*{T(java.lang.System).getProperty('java.home')}]]",
                "[[${{T(java.lang.System).getProperty('java.home')}}]]",
                "<a th:href=\"@{/x(p=${T(java.lang.System).getProperty('java.home')})}\">x</a>",
                "[[|${T(java.lang.System).getProperty('java.home')}|]]",
                "[(${T(java.lang.System).getProperty('java.home')})]",
                "<p th:utext=\"${T(java.lang.System).getProperty('java.home')}\">x</p>",
                "<p th:attr=\"title=${T(java.lang.System).getProperty('java.home')}\">x</p>",
                "<p th:with=\"x=${T(java.lang.System).getProperty('java.home')}\" th:text=\"${x}\">x</p>",
                "<p th:each=\"x : ${T(java.lang.System).getenv()}\" th:text=\"${x}\">x</p>",
                "<div th:insert=\"~{::p}\">x</div>",
                "<div th:replace=\"${T(java.lang.System).getProperty('java.home')}\">x</div>",
                "<p th:object=\"${T(java.lang.System)}\" th:text=\"*{getProperty('java.home')}\">x</p>",
                "[# th:text=\"${T(java.lang.System).getProperty('java.home')}\"/]",
                "<p th:text=\"${customer.firstName} + ${T(java.lang.System).getProperty('java.home')}\">x</p>",
                "<p th:text=\"${#strings.toString(T(java.lang.System).getProperty('java.home'))}\">x</p>",
                "<p th:text=\"${\\u0054(java.lang.System).getProperty('java.home')}\">x</p>")) {
            arguments.add(Arguments.of("syntax", template));
        }
        return arguments.stream();
    }

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        Files.deleteIfExists(CANARY);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("payloads")
    void refusedWhenSavedInEveryPart(String kind, String payload) throws Exception {
        for (String field : List.of("subject", "html", "text")) {
            String subject = field.equals("subject") ? payload : "Hello";
            String html = field.equals("html") ? payload : "<p>Hello</p>";
            String text = field.equals("text") ? payload : "Hello";
            mvc.perform(postJson("/api/flows", """
                    {"name": "Injected", "trigger": {"metric": "Started Checkout"}, "exitMetrics": [],
                     "actions": [{"delay": "PT1H", "status": "LIVE", "email": {"from": "shop@example.com",
                       "subject": %s, "html": %s, "text": %s}}]}
                    """.formatted(json(subject), json(html), json(text)))).andExpect(status().isBadRequest());
        }
        assertThat(data.count("flow") + data.count("template") + data.count("action")).isZero();
        assertThat(CANARY).doesNotExist();
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("payloads")
    void inertWhenRenderedAnyway(String kind, String payload) {
        for (EmailContent content : List.of(new EmailContent("shop@example.com", "Hi", payload, null),
                new EmailContent("shop@example.com", "Hi", "<p>x</p>", payload))) {
            Throwable failure = catchThrowable(() -> {
                RenderedEmail email = sandbox.render(content, jane);
                // Rendered as text (the payload echoed verbatim is inert), never
                // evaluated.
                assertThat(email.subject() + email.html() + email.text()).doesNotContain(SECRET);
            });
            if (failure instanceof AssertionError) {
                throw (AssertionError) failure;
            }
        }
        assertThat(CANARY).doesNotExist();
        assertThat(jane.customer()).containsEntry("firstName", "Jane")
            .containsEntry("properties", Map.of("tier", "gold"));
        assertThat(jane.event()).containsEntry("properties", Map.of("cartUrl", "https://shop.example.com/c/1"));
    }

    private static String json(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t")
                + "\"";
    }

}
