package io.flowbatch.deliverability;

import io.flowbatch.system.RequestValidator;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/admin/bounces}: an operator reports a bounce or a complaint, by
 * Message-ID or by address.
 */
@RestController
class BounceController {

    static final String SOURCE = "admin-api";

    private final Bounces bounces;

    private final RequestValidator validator;

    BounceController(Bounces bounces, RequestValidator validator) {
        this.bounces = bounces;
        this.validator = validator;
    }

    @PostMapping("/api/admin/bounces")
    Bounces.Applied report(@RequestBody BounceRequest request) {
        validator.validate(request);
        return bounces.report(request, SOURCE);
    }

}
