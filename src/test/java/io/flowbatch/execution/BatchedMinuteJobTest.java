package io.flowbatch.execution;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The minute job in its default mode: chunks of 500 per action. */
@FlowbatchTest
class BatchedMinuteJobTest extends MinuteJobScenarios {

    @Test
    void statementsDoNotGrowWithTheEvaluations() throws Exception {
        double perEvaluation = statementsPerEvaluation();

        System.out.printf("batched: %.3f SQL statements per evaluation (200 evaluations, one chunk)%n", perEvaluation);
        assertThat(perEvaluation).isLessThan(0.2);
    }

}
