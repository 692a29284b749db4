package io.flowbatch.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.flowbatch.system.Causes;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.cache.StandardCacheManager;
import org.thymeleaf.context.Context;
import org.thymeleaf.exceptions.TemplateEngineException;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ITemplateResolver;
import org.thymeleaf.templateresolver.StringTemplateResolver;

import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * Validates and renders marketers' templates with a Thymeleaf engine of its own: not
 * Spring's (whose SpEL evaluator can reach any bean), with a dialect cut down to output
 * and conditions, and an evaluator that resolves only the allow-listed variables from
 * plain maps.
 */
@Component
public class TemplateSandbox {

    private static final Pattern ATTRIBUTE = Pattern.compile("(?<![\\w-])(?:th:|data-th-)([A-Za-z][\\w-]*)");

    private static final Pattern EXPRESSION = Pattern.compile("[$*]\\{([^}]*)}");

    private static final Map<String, String> FORBIDDEN_SYNTAX = Map.of("~{",
            "fragment expressions ~{...} are not allowed", "#{", "message expressions #{...} are not allowed", "@{",
            "link expressions @{...} are not allowed; write the URL itself or use ${unsubscribeUrl}");

    /**
     * Dry-run data: every property reads "1", so a template that does arithmetic on a
     * property parses and runs; whether a real customer's value suits it is a render-time
     * matter.
     */
    private static final TemplateVariables SAMPLE = TemplateVariables.of("sample@example.com", "Sam", "Sample",
            new AnyKeyMap(), new AnyKeyMap(), "https://example.com/u/sample");

    private final VersionedTemplateResolver htmlVersions = new VersionedTemplateResolver(TemplateMode.HTML);

    private final VersionedTemplateResolver textVersions = new VersionedTemplateResolver(TemplateMode.TEXT);

    /** Saved versions, by name only: a name nobody registered resolves to nothing. */
    private final TemplateEngine htmlEngine = engine(htmlVersions);

    private final TemplateEngine textEngine = engine(textVersions);

    /** Unsaved text (validation and previews), parsed each time, never cached. */
    private final TemplateEngine htmlDrafts = engine(strings(TemplateMode.HTML));

    private final TemplateEngine textDrafts = engine(strings(TemplateMode.TEXT));

    private static StringTemplateResolver strings(TemplateMode mode) {
        StringTemplateResolver strings = new StringTemplateResolver();
        strings.setTemplateMode(mode);
        strings.setCacheable(false);
        return strings;
    }

    private static TemplateEngine engine(ITemplateResolver resolver) {
        TemplateEngine engine = new TemplateEngine();
        engine.setTemplateResolver(resolver);
        StandardCacheManager cache = new StandardCacheManager();
        cache.setTemplateCacheMaxSize(5_000);
        engine.setCacheManager(cache);
        engine.setDialect(new SandboxDialect());
        return engine;
    }

    /** Everything wrong with a template, or nothing when it may be saved. */
    public List<TemplateProblem> validate(EmailContent content) {
        List<TemplateProblem> problems = new ArrayList<>();
        validateFrom(content.from(), problems);
        if (content.subject() != null && content.subject().matches("(?s).*[\\r\\n].*")) {
            problems.add(new TemplateProblem("subject", "must be a single line"));
        }
        validatePart("subject", content.subject(), TemplateMode.TEXT, problems);
        validatePart("html", content.html(), TemplateMode.HTML, problems);
        validatePart("text", content.text(), TemplateMode.TEXT, problems);
        return problems;
    }

    /**
     * Renders one email from a saved template version, compiled once per version and
     * cached; throws {@link TemplateEngineException} when this customer's data breaks it.
     */
    public RenderedEmail render(TemplateRef ref, EmailContent content, TemplateVariables variables) {
        String subject = ref.name("subject", content.subject());
        String html = ref.name("html", content.html());
        String text = (content.text() != null) ? ref.name("text", content.text()) : null;
        textVersions.register(subject, content.subject());
        htmlVersions.register(html, content.html());
        if (text != null) {
            textVersions.register(text, content.text());
        }
        return render(htmlEngine, textEngine, subject, html, text, variables);
    }

    /** Everything wrong with a webhook step's body template. */
    public List<TemplateProblem> validateWebhookBody(String body) {
        List<TemplateProblem> problems = new ArrayList<>();
        validatePart("body", body, TemplateMode.TEXT, problems);
        return problems;
    }

    /**
     * Renders a webhook step's body, compiled once per step and cached under {@code ref}.
     * Every text a customer or event put in reaches the body JSON-escaped, so a value
     * inside a JSON string cannot end it; whether the result is JSON is the caller's
     * check.
     */
    public String renderWebhookBody(TemplateRef ref, String body, TemplateVariables variables) {
        String name = ref.name("webhook-body", body);
        textVersions.register(name, body);
        Context context = new Context();
        context.setVariables(variables.jsonEscaped().asMap());
        return renderText(textEngine, name, context);
    }

    /** Renders an unsaved template, parsing it each time (previews and tests). */
    public RenderedEmail render(EmailContent content, TemplateVariables variables) {
        return render(htmlDrafts, textDrafts, content.subject(), content.html(), content.text(), variables);
    }

    private static RenderedEmail render(TemplateEngine html, TemplateEngine text, String subjectTemplate,
            String htmlTemplate, String textTemplate, TemplateVariables variables) {
        Context context = new Context();
        context.setVariables(variables.asMap());
        // Header injection: a subject is one line, whatever the customer's data holds.
        String subject = renderText(text, subjectTemplate, context).replaceAll("[\\r\\n]+", " ").strip();
        String body = html.process(htmlTemplate, context);
        String plain = (textTemplate != null) ? renderText(text, textTemplate, context) : null;
        return new RenderedEmail(subject, body, plain);
    }

    /**
     * Thymeleaf's TEXT mode HTML-escapes {@code [[...]]} output, as if the text were
     * going into a page. A subject or a text part is not HTML: "Tom &amp; Jerry" must
     * read "Tom & Jerry".
     */
    private static String renderText(TemplateEngine engine, String template, Context context) {
        return HtmlUtils.htmlUnescape(engine.process(template, context));
    }

    private static void validateFrom(String from, List<TemplateProblem> problems) {
        if (from == null || from.isBlank()) {
            return;
        }
        try {
            InternetAddress address = new InternetAddress(from, true);
            if (address.isGroup() || from.matches("(?s).*[\\r\\n].*")) {
                problems.add(new TemplateProblem("from", "must be one address, like Shop <shop@example.com>"));
            }
        }
        catch (AddressException ex) {
            problems.add(new TemplateProblem("from", "is not a valid address: " + ex.getMessage()));
        }
    }

    private void validatePart(String part, String template, TemplateMode mode, List<TemplateProblem> problems) {
        if (template == null || template.isEmpty()) {
            return;
        }
        int before = problems.size();
        TreeSet<String> refused = new TreeSet<>();
        Matcher attributes = ATTRIBUTE.matcher(template);
        while (attributes.find()) {
            String name = attributes.group(1);
            if (!SandboxDialect.ALLOWED_ATTRIBUTES.contains(name)) {
                refused.add("th:" + name);
            }
        }
        if (!refused.isEmpty()) {
            problems.add(new TemplateProblem(part, "attributes " + refused + " are not allowed; allowed are th:"
                    + String.join(", th:", new TreeSet<>(SandboxDialect.ALLOWED_ATTRIBUTES))));
        }
        Matcher expressions = EXPRESSION.matcher(template);
        while (expressions.find()) {
            if (!AllowListVariableEvaluator.isAllowed(expressions.group(1))) {
                problems.add(new TemplateProblem(part, "expression " + expressions.group()
                        + " is not allowed; templates may use " + AllowListVariableEvaluator.ALLOWED_DESCRIPTION));
            }
        }
        FORBIDDEN_SYNTAX.forEach((token, message) -> {
            if (template.contains(token)) {
                problems.add(new TemplateProblem(part, message));
            }
        });
        if (mode == TemplateMode.HTML && (template.contains("[(") || template.contains("th:utext"))) {
            problems.add(new TemplateProblem(part, "unescaped output is not allowed in HTML; use [[...]] or th:text"));
        }
        if (problems.size() == before) {
            dryRun(part, template, mode, problems);
        }
    }

    /** Renders with sample data, which catches what only the parser sees. */
    private void dryRun(String part, String template, TemplateMode mode, List<TemplateProblem> problems) {
        Context context = new Context();
        context.setVariables(SAMPLE.asMap());
        try {
            ((mode == TemplateMode.HTML) ? htmlDrafts : textDrafts).process(template, context);
        }
        catch (TemplateEngineException ex) {
            problems.add(new TemplateProblem(part, "does not parse: " + Causes.root(ex).getMessage()));
        }
    }

    /** A map that has every key, with the value "1". */
    private static final class AnyKeyMap extends java.util.AbstractMap<String, Object> {

        @Override
        public Object get(Object key) {
            return "1";
        }

        @Override
        public boolean containsKey(Object key) {
            return true;
        }

        @Override
        public java.util.Set<Entry<String, Object>> entrySet() {
            return java.util.Set.of();
        }

    }

}
