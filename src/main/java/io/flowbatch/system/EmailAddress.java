package io.flowbatch.system;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.regex.Pattern;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * An address a mail server will take: ASCII local part and a dotted domain, at most 254
 * characters, no whitespace or control characters. Stricter than {@code @Email}, which
 * lets {@code a@b} through.
 */
@Documented
@Constraint(validatedBy = EmailAddress.Validator.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE })
@Retention(RetentionPolicy.RUNTIME)
public @interface EmailAddress {

    String message() default "must be a valid email address, like jane@example.com";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks the shape; null is left to {@code @NotBlank}. */
    class Validator implements ConstraintValidator<EmailAddress, String> {

        private static final Pattern SHAPE = Pattern
            .compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    + "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

        public static boolean isValid(String address) {
            String trimmed = address.strip();
            int at = trimmed.indexOf('@');
            return trimmed.length() <= 254 && at > 0 && at <= 64 && SHAPE.matcher(trimmed).matches();
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || isValid(value);
        }

    }

}
