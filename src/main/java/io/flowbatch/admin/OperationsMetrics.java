package io.flowbatch.admin;

import io.flowbatch.evaluation.EvaluationCounts;
import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.execution.Buckets;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.stereotype.Component;

/**
 * Gauges operators alert on, read when scraped: ids waiting in Redis buckets, and
 * evaluations waiting for a decision (IN_DOUBT) or given up on (FAILED), from the
 * evaluation counters.
 */
@Component
class OperationsMetrics implements MeterBinder {

    private final Buckets buckets;

    private final EvaluationCounts counts;

    OperationsMetrics(Buckets buckets, EvaluationCounts counts) {
        this.buckets = buckets;
        this.counts = counts;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("flowbatch.buckets.depth", buckets, Buckets::totalDepth)
            .description("Evaluation ids waiting in Redis buckets, all actions")
            .register(registry);
        Gauge.builder("flowbatch.evaluations.in.doubt", counts, (c) -> c.inState(EvaluationState.IN_DOUBT))
            .description("Evaluations whose send may or may not have happened, waiting for an operator")
            .register(registry);
        Gauge.builder("flowbatch.evaluations.failed", counts, (c) -> c.inState(EvaluationState.FAILED))
            .description("Evaluations that failed for good")
            .register(registry);
    }

}
