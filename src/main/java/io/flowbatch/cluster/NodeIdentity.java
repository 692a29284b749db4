package io.flowbatch.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Who this process is in the cluster. The id is new at every start: step executions
 * recorded under the id of a process that died must never look alive again because a new
 * process on the same host (or with the same pid 1 in a container) took its name.
 */
public record NodeIdentity(String id, String host, long pid, Set<String> roles) {

    static NodeIdentity of(NodeProperties properties) {
        String host = hostName();
        String name = (properties.name() != null && !properties.name().isBlank()) ? properties.name().strip() : host;
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        return new NodeIdentity(name + "-" + suffix, host, ProcessHandle.current().pid(),
                Set.copyOf(properties.roles()));
    }

    public boolean scheduler() {
        return roles.contains(NodeProperties.SCHEDULER);
    }

    public boolean worker() {
        return roles.contains(NodeProperties.WORKER);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException ex) {
            return "localhost";
        }
    }

}
