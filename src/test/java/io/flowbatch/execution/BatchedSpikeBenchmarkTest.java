package io.flowbatch.execution;

import io.flowbatch.support.FlowbatchTest;

/** The spike in the default, batched mode. */
@FlowbatchTest
class BatchedSpikeBenchmarkTest extends SpikeBenchmark {

    @Override
    String mode() {
        return "batched";
    }

}
