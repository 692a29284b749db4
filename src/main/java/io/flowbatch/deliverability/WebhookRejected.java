package io.flowbatch.deliverability;

/**
 * A webhook request that is not what it claims (a bad signature, an old timestamp, wrong
 * credentials: 401) or not readable (400). Kept as rejected; nothing else changes.
 */
class WebhookRejected extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    WebhookRejected(int status, String reason) {
        super(reason);
        this.status = status;
    }

    static WebhookRejected unauthorized(String reason) {
        return new WebhookRejected(401, reason);
    }

    static WebhookRejected unreadable(String reason) {
        return new WebhookRejected(400, reason);
    }

    int status() {
        return status;
    }

}
