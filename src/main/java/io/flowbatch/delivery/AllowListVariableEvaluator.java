package io.flowbatch.delivery;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.thymeleaf.context.IExpressionContext;
import org.thymeleaf.exceptions.TemplateProcessingException;
import org.thymeleaf.standard.expression.IStandardVariableExpression;
import org.thymeleaf.standard.expression.IStandardVariableExpressionEvaluator;
import org.thymeleaf.standard.expression.StandardExpressionExecutionContext;

/**
 * Resolves {@code ${...}} expressions against an allow-list instead of OGNL or SpEL.
 * Nothing is ever evaluated: an expression either is one of the listed paths, read from
 * plain maps, or it is refused. This is what makes tenant templates unable to run code
 * (README, Templates).
 */
final class AllowListVariableEvaluator implements IStandardVariableExpressionEvaluator {

    /**
     * The paths templates may use (README, Templates): customer names and email, customer
     * and event properties, unsubscribeUrl.
     */
    static final Pattern ALLOWED = Pattern
        .compile("\\s*(?:(?<url>unsubscribeUrl)|customer\\.(?<field>firstName|lastName|email)"
                + "|(?<root>customer|event)\\.properties\\[\\s*(?:'(?<single>[^'\\\\]*)'|\"(?<double>[^\"\\\\]*)\")\\s*\\])\\s*");

    static final String ALLOWED_DESCRIPTION = "${customer.firstName}, ${customer.lastName}, ${customer.email}, "
            + "${customer.properties['key']}, ${event.properties['key']} and ${unsubscribeUrl}";

    static boolean isAllowed(String expression) {
        return ALLOWED.matcher(expression).matches();
    }

    @Override
    public Object evaluate(IExpressionContext context, IStandardVariableExpression expression,
            StandardExpressionExecutionContext executionContext) {
        Matcher matcher = ALLOWED.matcher(expression.getExpression());
        if (!matcher.matches()) {
            throw new TemplateProcessingException("Expression ${" + expression.getExpression()
                    + "} is not allowed; templates may use " + ALLOWED_DESCRIPTION);
        }
        if (matcher.group("url") != null) {
            return context.getVariable(TemplateVariables.UNSUBSCRIBE_URL);
        }
        if (matcher.group("field") != null) {
            return lookup(context.getVariable(TemplateVariables.CUSTOMER), matcher.group("field"));
        }
        String key = (matcher.group("single") != null) ? matcher.group("single") : matcher.group("double");
        return lookup(lookup(context.getVariable(matcher.group("root")), "properties"), key);
    }

    private static Object lookup(Object container, String key) {
        return (container instanceof Map<?, ?> map) ? map.get(key) : null;
    }

}
