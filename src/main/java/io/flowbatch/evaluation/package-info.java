/**
 * The evaluation lifecycle, and the only writer of the {@code evaluation} and
 * {@code delivery_log} tables: the state table
 * ({@link io.flowbatch.evaluation.EvaluationState}), every move between states as one
 * set-based statement conditional on the state it leaves (the minute job's in
 * {@code EvaluationStore}, operators' in {@code OperatorMoves}), the creation of a flow's
 * steps ({@code FlowSteps}) and the purge of finished evaluations. Other packages call
 * it; none writes these tables.
 */
package io.flowbatch.evaluation;
