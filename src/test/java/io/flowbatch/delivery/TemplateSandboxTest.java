package io.flowbatch.delivery;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.thymeleaf.exceptions.TemplateEngineException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplateSandboxTest {

    private final TemplateSandbox sandbox = new TemplateSandbox();

    private final TemplateVariables jane = TemplateVariables.of("jane@example.com", "Jane", "Doe",
            Map.of("tier", "gold"), Map.of("cartValue", "42.50", "cartUrl", "https://shop.example.com/c/1"),
            "https://flowbatch.example.com/u/token");

    @Test
    void rendersTheAllowedVariablesInEveryPart() {
        EmailContent content = new EmailContent("shop@example.com", "Hi [[${customer.firstName}]]", """
                <p>[[${customer.firstName}]] [[${customer.lastName}]] &lt;[[${customer.email}]]&gt;</p>
                <p th:if="${customer.properties['tier']} == 'gold'">Gold</p>
                <p th:unless="${customer.properties['missing']}">No value</p>
                <a th:href="${event.properties['cartUrl']}">cart</a> <a th:href="${unsubscribeUrl}">unsubscribe</a>
                """, "Cart worth [[${event.properties[\"cartValue\"]}]]");

        assertThat(sandbox.validate(content)).isEmpty();
        RenderedEmail email = sandbox.render(content, jane);

        assertThat(email.subject()).isEqualTo("Hi Jane");
        assertThat(email.html()).contains("Jane Doe &lt;jane@example.com&gt;", "<p>Gold</p>", "No value",
                "href=\"https://shop.example.com/c/1\"", "href=\"https://flowbatch.example.com/u/token\"");
        assertThat(email.text()).isEqualTo("Cart worth 42.50");
    }

    @Test
    void customerDataIsEscapedInHtmlAndCannotBreakTheSubjectLine() {
        TemplateVariables hostile = TemplateVariables.of("x@example.com",
                "<script>alert(1)</script>\r\nBcc: all@example.com", null, Map.of(), Map.of(),
                "https://flowbatch.example.com/u/t");
        RenderedEmail email = sandbox.render(new EmailContent("shop@example.com", "Hi [[${customer.firstName}]]",
                "<p>[[${customer.firstName}]]</p>", null), hostile);

        assertThat(email.subject()).isEqualTo("Hi <script>alert(1)</script> Bcc: all@example.com");
        assertThat(email.html()).contains("&lt;script&gt;").doesNotContain("<script>");
        assertThat(email.text()).isNull();
    }

    @Test
    void expressionsOutsideTheAllowListCannotRunEvenIfTheySkippedValidation() {
        String[] templates = { "[[${T(java.lang.Runtime).getRuntime().availableProcessors()}]]",
                "[[${@templateSandbox}]]", "[[${new java.lang.StringBuilder('x')}]]", "[[${#ctx}]]",
                "<p th:text=\"${customer.getClass()}\">x</p>",
                "<p th:text=\"__${T(java.lang.System).getenv()}__\">x</p>",
                "[[${customer.properties['k'].getClass().forName('java.lang.Runtime')}]]" };
        for (String template : templates) {
            assertThatThrownBy(() -> sandbox.render(new EmailContent("a@example.com", "s", template, null), jane))
                .as(template)
                .isInstanceOf(TemplateEngineException.class)
                .hasStackTraceContaining("is not allowed");
        }
    }

    @Test
    void removedProcessorsDoNothingAtRenderTime() {
        RenderedEmail email = sandbox.render(
                new EmailContent("a@example.com", "s",
                        "<div th:insert=\"~{other}\">kept</div><p th:utext=\"${customer.firstName}\">static</p>", null),
                jane);

        assertThat(email.html()).contains(">kept</div>").contains(">static</p>").doesNotContain("Jane");
    }

    @Test
    void validationNamesThePartAndTheProblem() {
        assertThat(sandbox.validate(new EmailContent("Shop <shop@example.com>", "Hi\nthere",
                "<p>[[${customer.age}]]</p>", "[# th:text=\"${customer.firstName}\"]")))
            .extracting(TemplateProblem::part)
            .containsExactly("subject", "html", "text");
        assertThat(sandbox.validate(new EmailContent("a@@example.com", "ok", "<p>ok</p>", null)))
            .extracting(TemplateProblem::part)
            .containsExactly("from");
    }

}
