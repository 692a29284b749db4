package io.flowbatch.flow;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Flows and action status (README, API). */
@RestController
class FlowController {

    private final FlowService flows;

    private final StepPreviews previews;

    FlowController(FlowService flows, StepPreviews previews) {
        this.flows = flows;
        this.previews = previews;
    }

    @PostMapping("/api/flows")
    @ResponseStatus(HttpStatus.CREATED)
    FlowCreated create(@RequestBody FlowRequest request) {
        return flows.create(request);
    }

    @GetMapping("/api/flows/{id}")
    FlowView get(@PathVariable long id) {
        return flows.get(id);
    }

    @PutMapping("/api/flows/{id}")
    FlowUpdated update(@PathVariable long id, @RequestBody FlowRequest request) {
        return flows.update(id, request);
    }

    @GetMapping("/api/flows/{id}/versions")
    List<FlowVersion> versions(@PathVariable long id) {
        return flows.versions(id);
    }

    @PostMapping("/api/flows/{id}/steps/{stepId}/preview")
    StepPreviewed preview(@PathVariable long id, @PathVariable String stepId, @RequestBody PreviewRequest request) {
        return previews.preview(id, stepId, request);
    }

    @PostMapping("/api/flows/{id}/pause")
    FlowStatusChanged pause(@PathVariable long id) {
        return flows.pause(id);
    }

    @PostMapping("/api/flows/{id}/resume")
    FlowStatusChanged resume(@PathVariable long id) {
        return flows.resume(id);
    }

    @PostMapping("/api/flows/{id}/archive")
    FlowStatusChanged archive(@PathVariable long id) {
        return flows.archive(id);
    }

    @PutMapping("/api/actions/{id}/status")
    Map<String, Object> changeStatus(@PathVariable long id, @RequestBody ActionStatusRequest request) {
        flows.changeActionStatus(id, request);
        return Map.of("id", id, "status", request.status());
    }

}
