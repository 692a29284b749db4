package io.flowbatch.cluster;

import java.util.Set;

import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.execution.FlowExecutionLauncher;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mixed delivery guarantees across nodes (a rolling deploy) let one at-least-once node
 * resend what every node recovers: a node that finds a live node disagreeing, or one that
 * does not say its guarantee (an older version, without claim leases), refuses to join.
 */
@FlowbatchTest
class GuaranteeAgreementTest {

    static final String OTHER = "other-5eed0001";

    static final String OLD = "old-5eed0002";

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DeadNodes deadNodes;

    @Autowired
    NodeProperties properties;

    @Autowired
    FlowExecutionLauncher launcher;

    @Autowired
    DeliveryProperties delivery;

    @Autowired
    NodeRegistry self;

    @AfterEach
    void forgetTheOthers() {
        jdbc.sql("DELETE FROM node WHERE id IN (:a, :b)").param("a", OTHER).param("b", OLD).update();
    }

    @Test
    void aNodeWithAnotherGuaranteeRefusesToJoinNamingTheSetting() {
        NodeRegistry other = registry(guarantee(DeliveryProperties.Guarantee.AT_LEAST_ONCE));

        assertThatThrownBy(other::start).hasMessageContaining("flowbatch.delivery.guarantee is at-least-once")
            .hasMessageContaining(self.self().id() + " (at-most-once)");
        assertThat(other.isRunning()).isFalse();
        assertThat(jdbc.sql("SELECT count(*) FROM node WHERE id = :id").param("id", OTHER).query(Long.class).single())
            .as("it left the node table")
            .isZero();
    }

    @Test
    void aLiveNodeThatDoesNotSayItsGuaranteeIsTakenAsDisagreeing() {
        jdbc.sql("""
                INSERT INTO node (id, roles, host, pid, started_at, heartbeat_at)
                VALUES (:id, '{worker}', 'old', 1, now(), now())
                """).param("id", OLD).update();

        assertThatThrownBy(registry(delivery)::start).hasMessageContaining(OLD + " (an older version)");
    }

    @Test
    void nodesThatAgreeJoin() {
        NodeRegistry other = registry(delivery);

        other.start();
        try {
            assertThat(self.nodes()).anySatisfy((node) -> {
                assertThat(node.id()).isEqualTo(OTHER);
                assertThat(node.guarantee()).isEqualTo("at-most-once");
            });
        }
        finally {
            other.stop();
        }
    }

    private NodeRegistry registry(DeliveryProperties guarantee) {
        return new NodeRegistry(jdbc, new NodeIdentity(OTHER, "elsewhere", 1, Set.of(NodeProperties.WORKER)), deadNodes,
                properties, launcher, guarantee, java.time.Clock.systemUTC());
    }

    private DeliveryProperties guarantee(DeliveryProperties.Guarantee guarantee) {
        return delivery.withGuarantee(guarantee);
    }

}
