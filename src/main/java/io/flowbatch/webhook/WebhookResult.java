package io.flowbatch.webhook;

/**
 * What became of one webhook request, as the job records it.
 *
 * @param status the HTTP status, or 0 when there was no reply
 * @param reply the status and the start of the reply's body, or why there was none
 */
public record WebhookResult(Kind kind, int status, String reply) {

    /** How the job treats a result. */
    public enum Kind {

        /** 2xx: the endpoint took it. */
        SENT,
        /** 408, 429, 5xx, or no connection: nothing was taken; it may be tried again. */
        TRANSIENT,
        /**
         * Any other reply, or a target flowbatch will not reach: trying again will not
         * help.
         */
        PERMANENT,
        /**
         * Sent, but no reply came in time: the endpoint may or may not have acted on it.
         */
        UNKNOWN,
        /**
         * Not sent: the caller's permit (its claim lease) had ended when the request's
         * turn came. Certainly not sent, so it may go back to be sent by the row's owner.
         */
        WITHHELD

    }

    static final WebhookResult WITHHELD = new WebhookResult(Kind.WITHHELD, 0, "not sent: the permit had ended");

    static WebhookResult ofStatus(int status, String body) {
        String reply = "HTTP " + status + (body.isBlank() ? "" : ": " + shorten(body));
        if (status >= 200 && status < 300) {
            return new WebhookResult(Kind.SENT, status, reply);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return new WebhookResult(Kind.TRANSIENT, status, reply);
        }
        return new WebhookResult(Kind.PERMANENT, status, reply);
    }

    private static String shorten(String body) {
        String line = body.strip().replaceAll("\\s+", " ");
        return (line.length() > 200) ? line.substring(0, 200) + "..." : line;
    }

}
