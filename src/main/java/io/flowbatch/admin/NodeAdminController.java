package io.flowbatch.admin;

import java.util.List;

import io.flowbatch.cluster.NodeRegistry;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The nodes of the cluster: live ones, and those that stopped beating within the last
 * hour.
 */
@RestController
class NodeAdminController {

    private final NodeRegistry nodes;

    NodeAdminController(NodeRegistry nodes) {
        this.nodes = nodes;
    }

    @GetMapping("/api/admin/nodes")
    List<NodeRegistry.NodeView> nodes() {
        return nodes.nodes();
    }

}
