package io.flowbatch.execution;

import io.flowbatch.support.FlowbatchTest;

import org.springframework.test.context.TestPropertySource;

/** The spike in the per-item baseline ({@code -Dflowbatch.bench.per-item-evaluations}, default 10,000). */
@FlowbatchTest
@TestPropertySource(properties = { "flowbatch.execution.mode=per-item",
        "spring.quartz.scheduler-name=flowbatch-per-item-bench" })
class PerItemSpikeBenchmarkTest extends SpikeBenchmark {

    @Override
    String mode() {
        return "per-item";
    }

    @Override
    int evaluations() {
        return Integer.getInteger("flowbatch.bench.per-item-evaluations", 10_000);
    }

}
