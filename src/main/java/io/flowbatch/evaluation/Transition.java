package io.flowbatch.evaluation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The moves a statement constant makes: from any of {@link #from()} to any of
 * {@link #to()}. Every statement that updates evaluation rows carries one; a test checks
 * that each pair is in {@link EvaluationState}'s table and that the SQL names no state
 * the declaration leaves out.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Transition {

    EvaluationState[] from();

    /** Empty for a statement that touches rows without moving them. */
    EvaluationState[] to();

    /**
     * The target state is chosen per row, and the statement moves a row only along the
     * table's moves ({@link EvaluationState#movesAsSqlRows}): not every pair of from and
     * to is allowed.
     */
    boolean perRow() default false;

}
