package io.flowbatch.execution;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * At start, before the scheduler can fire: executions a crash left running are marked
 * FAILED (so they can be restarted), then the evaluations they held are recovered. With
 * one instance every running execution is dead at start; with several
 * ({@code recover-all-at-start=false}) only the stale ones are.
 */
@Component
class StartupRecovery implements SmartInitializingSingleton {

    private final DeadExecutions deadExecutions;

    private final Recovery recovery;

    private final boolean recoverAll;

    StartupRecovery(DeadExecutions deadExecutions, Recovery recovery, ExecutionProperties properties) {
        this.deadExecutions = deadExecutions;
        this.recovery = recovery;
        this.recoverAll = properties.effectiveRecoverAllAtStart();
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (recoverAll) {
            deadExecutions.recoverAllRunning();
        }
        recovery.recover();
    }

}
