package io.flowbatch.cluster;

import java.time.Duration;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * This instance as a member of a cluster (README, "Running more than one instance").
 *
 * @param name a readable name for the node; its id adds a random suffix per start, so a
 * restarted process is never mistaken for the one that died (defaults to the host name)
 * @param roles {@code scheduler}: fires the Quartz triggers and manages the runs they
 * start; {@code worker}: executes partitions sent by managers (with remote partitioning)
 * @param heartbeat how often the node records that it is alive, and looks for dead nodes
 * @param deadAfter a node silent this long is dead: the partitions it was running are
 * marked FAILED so the run ends and can be restarted, and its claims are recovered
 * @param drainTimeout at shutdown, how long partitions in flight may run to their end
 * before they are stopped at the next chunk boundary
 */
@ConfigurationProperties("flowbatch.node")
public record NodeProperties(String name, @DefaultValue( {
        "scheduler", "worker" }) Set<String> roles, @DefaultValue("PT5S") Duration heartbeat,
        @DefaultValue("PT30S") Duration deadAfter, @DefaultValue("PT60S") Duration drainTimeout){

    public static final String SCHEDULER = "scheduler";

    public static final String WORKER = "worker";

    public NodeProperties {
        if (roles.isEmpty() || !Set.of(SCHEDULER, WORKER).containsAll(roles)) {
            throw new IllegalArgumentException(
                    "flowbatch.node.roles must name scheduler, worker or both, not " + roles);
        }
        if (deadAfter.compareTo(heartbeat.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException(
                    "flowbatch.node.dead-after (" + deadAfter + ") must be at least three heartbeats (" + heartbeat
                            + "), or a busy node would be taken for dead");
        }
    }

}
