package io.flowbatch.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.flowbatch.execution.ExecutionProperties;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cluster's settings as Spring binds them: defaults, and a clear refusal of what
 * cannot work.
 */
class ClusterSettingsTest {

    @Test
    void aNodeIsSchedulerAndWorkerByDefaultAndGetsANewIdAtEveryStart() {
        NodeProperties properties = bind(Map.of("flowbatch.node.name", "shop-1"), NodeProperties.class);

        assertThat(properties.roles()).containsExactlyInAnyOrder("scheduler", "worker");
        assertThat(properties.deadAfter()).isEqualTo(Duration.ofSeconds(30));
        NodeIdentity first = NodeIdentity.of(properties);
        NodeIdentity second = NodeIdentity.of(properties);
        assertThat(first.id()).startsWith("shop-1-").isNotEqualTo(second.id());
        assertThat(first.scheduler()).isTrue();
        assertThat(first.worker()).isTrue();
        assertThat(first.pid()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void aWorkerOnlyNodeIsNoScheduler() {
        NodeIdentity node = NodeIdentity.of(bind(Map.of("flowbatch.node.roles", "worker"), NodeProperties.class));

        assertThat(node.roles()).isEqualTo(Set.of("worker"));
        assertThat(node.scheduler()).isFalse();
    }

    @Test
    void unknownRolesAndADeadAfterShorterThanThreeHeartbeatsAreRefused() {
        assertThatThrownBy(() -> bind(Map.of("flowbatch.node.roles", "worker,manager"), NodeProperties.class))
            .isInstanceOf(BindException.class)
            .rootCause()
            .hasMessageContaining("flowbatch.node.roles must name scheduler, worker or both");
        assertThatThrownBy(() -> bind(Map.of("flowbatch.node.heartbeat", "PT5S", "flowbatch.node.dead-after", "PT10S"),
                NodeProperties.class))
            .rootCause()
            .hasMessageContaining("at least three heartbeats");
    }

    @Test
    void partitioningIsLocalOrRemoteAndOnlyLocalRecoversEverythingAtStart() {
        ExecutionProperties local = bind(Map.of(), ExecutionProperties.class);
        ExecutionProperties remote = bind(Map.of("flowbatch.execution.partitioning", "remote"),
                ExecutionProperties.class);
        ExecutionProperties told = bind(Map.of("flowbatch.execution.partitioning", "local",
                "flowbatch.execution.recover-all-at-start", "false"), ExecutionProperties.class);

        assertThat(local.remote()).isFalse();
        assertThat(local.effectiveRecoverAllAtStart()).isTrue();
        assertThat(remote.remote()).isTrue();
        assertThat(remote.effectiveRecoverAllAtStart()).isFalse();
        assertThat(told.effectiveRecoverAllAtStart()).isFalse();
        assertThatThrownBy(() -> bind(Map.of("flowbatch.execution.partitioning", "grid"), ExecutionProperties.class))
            .isInstanceOf(BindException.class)
            .hasMessageContaining("flowbatch.execution.partitioning");
    }

    private static <T> T bind(Map<String, String> settings, Class<T> type) {
        String prefix = (type == NodeProperties.class) ? "flowbatch.node" : "flowbatch.execution";
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate(prefix, type);
    }

}
