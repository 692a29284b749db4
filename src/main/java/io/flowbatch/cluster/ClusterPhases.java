package io.flowbatch.cluster;

import org.springframework.context.SmartLifecycle;

/**
 * Lifecycle order of a node (higher phases start later and stop earlier): the node
 * registers before it takes work and deregisters only after its worker drained, so no
 * partition it is still running is ever taken for the work of a dead node.
 */
final class ClusterPhases {

    static final int REGISTRY = SmartLifecycle.DEFAULT_PHASE - 2048;

    static final int WORKER = SmartLifecycle.DEFAULT_PHASE - 1024;

    private ClusterPhases() {
    }

}
