package io.flowbatch.delivery;

import java.util.Locale;

/**
 * What became of one message handed to the mail server.
 *
 * @param kind the outcome
 * @param reply the server's reply or the error, for the evaluation's reason
 * @param unreachable no connection to the server could be made: certainly not sent
 */
public record SendResult(Kind kind, String reply, boolean unreachable) {

    /** The outcomes that matter for what happens to an evaluation next. */
    public enum Kind {

        /** The server accepted the message. */
        SENT,
        /**
         * The server refused it for now (4xx) or could not be reached: it did not go out;
         * try again.
         */
        TRANSIENT,
        /** The server refused it for good (5xx, invalid address): it did not go out. */
        PERMANENT,
        /**
         * The connection broke while the message was in flight: the server may or may not
         * have accepted it.
         */
        UNKNOWN,
        /**
         * Not handed to the server at all: the sender's {@link SendPermit} was withdrawn
         * (its claim on the evaluation expired). Certainly not sent; whoever owns the
         * evaluation now sends it.
         */
        WITHHELD

    }

    static SendResult sent(String reply) {
        return new SendResult(Kind.SENT, reply, false);
    }

    static SendResult of(Kind kind, String reply) {
        return new SendResult(kind, reply, false);
    }

    /**
     * No connection to the relay could be opened or set up (refused, greeting, EHLO, TLS,
     * login): certainly not sent.
     */
    static SendResult unreachable(SmtpRelay relay, Exception failure) {
        String reason = (failure.getMessage() != null) ? failure.getMessage() : failure.getClass().getSimpleName();
        return new SendResult(Kind.TRANSIENT, "mail server " + relay + " unreachable: " + reason, true);
    }

    static SendResult withheld() {
        return new SendResult(Kind.WITHHELD, "not handed to the mail server: this step no longer holds its claim",
                false);
    }

    /**
     * Withheld, or no connection could be opened for it: the server never saw any of it,
     * so it may go back to the buffer.
     */
    public boolean neverHandedOver() {
        return kind == Kind.WITHHELD || unreachable;
    }

    public boolean isSent() {
        return kind == Kind.SENT;
    }

    /**
     * The relay asks the sender to slow down: 421 (service not available, closing), 451
     * with an enhanced status 4.7.x (policy: rate, reputation), or 454 "Throttling
     * failure" (Amazon SES). Not the message's fault: it waits and is not an attempt.
     */
    public boolean throttled() {
        if (kind != Kind.TRANSIENT || unreachable || reply == null) {
            return false;
        }
        String text = reply.strip();
        return text.startsWith("421") || (text.startsWith("451") && text.matches("451[ -]4\\.7\\..*"))
                || (text.startsWith("454") && text.toLowerCase(Locale.ROOT).contains("throttl"));
    }

}
