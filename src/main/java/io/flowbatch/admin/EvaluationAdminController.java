package io.flowbatch.admin;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.evaluation.OperatorMoves;
import io.flowbatch.system.InvalidRequestException;
import io.flowbatch.system.Paging;
import jakarta.validation.constraints.Size;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Evaluations for operators: listed by action and state with their reasons; FAILED and
 * IN_DOUBT ones requeued (due now, same Message-ID) or, for IN_DOUBT, closed as SENT or
 * FAILED once the operator knows what the mail server did.
 */
@RestController
class EvaluationAdminController {

    static final int MAX_PAGE_SIZE = 500;

    static final int MAX_IDS = 10_000;

    private final EvaluationQueries queries;

    private final OperatorMoves moves;

    private final InDoubtClosures closures;

    private final Clock clock;

    EvaluationAdminController(EvaluationQueries queries, OperatorMoves moves, InDoubtClosures closures, Clock clock) {
        this.queries = queries;
        this.moves = moves;
        this.closures = closures;
        this.clock = clock;
    }

    @GetMapping("/api/admin/evaluations")
    Map<String, Object> list(@RequestParam(required = false) Long actionId,
            @RequestParam(required = false) EvaluationState state, @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        Paging paging = Paging.of(page, size, MAX_PAGE_SIZE);
        String stateName = (state != null) ? state.name() : null;
        return Map.of("page", page, "size", size, "total", queries.count(actionId, stateName), "items",
                queries.page(actionId, stateName, paging.page(), paging.size()));
    }

    /**
     * {@code {ids}} or {@code {actionId, state}}: FAILED or IN_DOUBT back to WAITING, due
     * now. Left alone, each with its reason: IN_DOUBT rows whose sender may still be
     * sending them, and rows an operator closed from IN_DOUBT, which only {@code {ids,
     * confirmDuplicate: true}} requeues.
     */
    @PostMapping("/api/admin/evaluations/requeue")
    OperatorMoves.Requeued requeue(@RequestBody RequeueRequest request) {
        String reason = "requeued by an operator";
        boolean confirmDuplicate = Boolean.TRUE.equals(request.confirmDuplicate());
        if (request.ids() != null && !request.ids().isEmpty()) {
            if (request.actionId() != null || request.state() != null) {
                throw new InvalidRequestException("ids", "give either ids, or actionId and state, not both");
            }
            checkIds(request.ids());
            return moves.requeue(request.ids(), confirmDuplicate, clock.instant(),
                    confirmDuplicate ? reason + ", who accepted a possible duplicate" : reason);
        }
        if (request.actionId() == null) {
            throw new InvalidRequestException("actionId", "give either ids, or actionId and state");
        }
        if (request.state() != EvaluationState.FAILED && request.state() != EvaluationState.IN_DOUBT) {
            throw new InvalidRequestException("state", "must be FAILED or IN_DOUBT");
        }
        if (confirmDuplicate) {
            throw new InvalidRequestException("confirmDuplicate",
                    "applies to a requeue by ids only: a bulk requeue never resends what an operator closed from IN_DOUBT");
        }
        return moves.requeue(request.actionId(), request.state(), clock.instant(), reason);
    }

    /**
     * {@code {ids, state}}: IN_DOUBT closed as SENT (the server did accept it) or FAILED.
     */
    @PostMapping("/api/admin/evaluations/resolve")
    Map<String, Integer> resolve(@RequestBody ResolveRequest request) {
        if (request.ids() == null || request.ids().isEmpty()) {
            throw new InvalidRequestException("ids", "must list the IN_DOUBT evaluations to close");
        }
        checkIds(request.ids());
        if (request.state() != EvaluationState.SENT && request.state() != EvaluationState.FAILED) {
            throw new InvalidRequestException("state", "must be SENT or FAILED");
        }
        return Map.of("resolved", closures.close(request.ids(), request.state(), clock.instant()));
    }

    private static void checkIds(List<Long> ids) {
        if (ids.size() > MAX_IDS) {
            throw new InvalidRequestException("ids", "must hold at most " + MAX_IDS + " ids");
        }
        if (ids.stream().anyMatch((id) -> id == null)) {
            throw new InvalidRequestException("ids", "must not contain null");
        }
    }

    /**
     * Body of the requeue call.
     *
     * @param confirmDuplicate with ids: requeue rows closed from IN_DOUBT too, accepting
     * that their message may arrive twice
     */
    record RequeueRequest(@Size(max = MAX_IDS) List<Long> ids, Long actionId, EvaluationState state,
            Boolean confirmDuplicate) {
    }

    /** Body of the resolve call. */
    record ResolveRequest(List<Long> ids, EvaluationState state) {
    }

}
