package io.flowbatch.execution;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.flowbatch.evaluation.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * The job's own meters, next to Spring Batch's: evaluations by outcome and action
 * ({@code flowbatch.evaluations}) and the time a chunk takes from load to recorded
 * outcomes ({@code flowbatch.chunk}).
 */
@Component
class JobMetrics {

    static final String EVALUATIONS = "flowbatch.evaluations";

    static final String CHUNK = "flowbatch.chunk";

    private final MeterRegistry registry;

    JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void outcomes(long actionId, List<Outcome> outcomes) {
        String action = Long.toString(actionId);
        for (Outcome outcome : outcomes) {
            Counter.builder(EVALUATIONS)
                .description("Evaluations executed, by the state they ended the chunk in")
                .tag("action", action)
                .tag("outcome", outcome.state().name())
                .register(registry)
                .increment();
        }
    }

    void chunk(long actionId, long startNanos) {
        Timer.builder(CHUNK)
            .description("One chunk: load, render, send, record")
            .tag("action", Long.toString(actionId))
            .register(registry)
            .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

}
