package io.flowbatch.admin;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/admin/relays}: every relay, its rate and quotas now. */
@RestController
class RelayAdminController {

    private final RelayOverview overview;

    RelayAdminController(RelayOverview overview) {
        this.overview = overview;
    }

    @GetMapping("/api/admin/relays")
    List<RelayOverview.RelayView> relays() {
        return overview.relays();
    }

}
