package io.flowbatch.system;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.regex.Pattern;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/** An IANA time zone such as {@code Europe/Paris}. */
@Documented
@Constraint(validatedBy = TimeZoneId.Validator.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE })
@Retention(RetentionPolicy.RUNTIME)
public @interface TimeZoneId {

    String message() default "must be a time zone such as Europe/Paris (not an offset)";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /**
     * Accepts a region {@link ZoneId#of} knows, and {@code UTC}; null is allowed. Not an
     * offset such as {@code +01:00} or {@code UTC+1}: PostgreSQL, which computes local
     * times in bulk, reads such a name as a POSIX zone, with the sign the other way
     * round.
     */
    class Validator implements ConstraintValidator<TimeZoneId, String> {

        private static final Pattern OFFSET = Pattern.compile("(?i)(Z|(UTC|GMT|UT)?[+-].*)");

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || isRegion(value);
        }

        /** A zone with a name and rules, not an offset. */
        public static boolean isRegion(String value) {
            if (OFFSET.matcher(value).matches()) {
                return false;
            }
            try {
                ZoneId.of(value);
                return true;
            }
            catch (DateTimeException ex) {
                return false;
            }
        }

    }

}
