package io.flowbatch.cluster;

import io.flowbatch.execution.StepNodes;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.quartz.autoconfigure.SchedulerFactoryBeanCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * This node's identity, where its step executions are recorded under it, and what its
 * roles switch on and off.
 */
@Configuration(proxyBeanMethods = false)
class ClusterConfiguration {

    private static final Log logger = LogFactory.getLog(ClusterConfiguration.class);

    @Bean
    NodeIdentity nodeIdentity(NodeProperties properties) {
        return NodeIdentity.of(properties);
    }

    @Bean
    StepNodes stepNodes(JdbcClient jdbc, NodeIdentity node) {
        return new StepNodes(jdbc, node.id());
    }

    /**
     * Without the scheduler role the Quartz scheduler is never started: the node keeps
     * the triggers in the shared store up to date but never fires them, so it never
     * manages a run.
     */
    @Bean
    SchedulerFactoryBeanCustomizer schedulerRole(NodeIdentity node) {
        return (factory) -> {
            if (!node.scheduler()) {
                logger.info("Node without the scheduler role: Quartz will not fire triggers here");
                factory.setAutoStartup(false);
            }
        };
    }

}
