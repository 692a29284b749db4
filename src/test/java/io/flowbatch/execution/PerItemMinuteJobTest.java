package io.flowbatch.execution;

import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same scenarios in the per-item baseline (flowbatch.execution.mode=per-item): same
 * states, same outcomes, one evaluation at a time.
 */
@FlowbatchTest
@TestPropertySource(
        properties = { "flowbatch.execution.mode=per-item", "spring.quartz.scheduler-name=flowbatch-per-item-test" })
class PerItemMinuteJobTest extends MinuteJobScenarios {

    @Test
    void everyEvaluationPaysItsOwnQueries() throws Exception {
        double perEvaluation = statementsPerEvaluation();

        System.out.printf("per-item: %.3f SQL statements per evaluation%n", perEvaluation);
        assertThat(perEvaluation).isGreaterThan(5);
    }

}
