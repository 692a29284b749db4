package io.flowbatch.delivery;

import java.util.Set;
import java.util.stream.Collectors;

import org.thymeleaf.processor.IProcessor;
import org.thymeleaf.processor.element.IElementProcessor;
import org.thymeleaf.processor.element.MatchingAttributeName;
import org.thymeleaf.standard.StandardDialect;
import org.thymeleaf.standard.processor.StandardBlockTagProcessor;

/**
 * The standard dialect cut down to what an email needs: output, conditions and a few HTML
 * attributes. Fragment inclusion, iteration, local variables, unescaped output and the
 * catch-all {@code th:*} processor are removed, so such attributes do nothing even if a
 * template carrying them got past validation.
 */
final class SandboxDialect extends StandardDialect {

    /** Attribute names, without the {@code th:} prefix, that templates may use. */
    static final Set<String> ALLOWED_ATTRIBUTES = Set.of("text", "if", "unless", "switch", "case", "href", "src", "alt",
            "title", "class", "classappend", "style", "styleappend", "remove", "value");

    SandboxDialect() {
        setVariableExpressionEvaluator(new AllowListVariableEvaluator());
    }

    @Override
    public Set<IProcessor> getProcessors(String dialectPrefix) {
        return super.getProcessors(dialectPrefix).stream()
            .filter(SandboxDialect::isAllowed)
            .collect(Collectors.toUnmodifiableSet());
    }

    private static boolean isAllowed(IProcessor processor) {
        if (!(processor instanceof IElementProcessor element)) {
            // Text, comment and CDATA processors: [[...]] inlining and its escaping.
            return true;
        }
        MatchingAttributeName attribute = element.getMatchingAttributeName();
        if (attribute == null || attribute.getMatchingAttributeName() == null) {
            // Tag processors and catch-alls: only th:block (and TEXT mode's [# ...])
            // stays.
            return processor instanceof StandardBlockTagProcessor;
        }
        String name = attribute.getMatchingAttributeName().getAttributeName();
        return ALLOWED_ATTRIBUTES.contains(name) || "xmlns:th".equals(name) || "th".equals(name);
    }

}
