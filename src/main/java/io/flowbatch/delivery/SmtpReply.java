package io.flowbatch.delivery;

/**
 * One reply of an SMTP server (RFC 5321, section 4.2): its three-digit code and its text,
 * the lines of a multi-line reply joined by spaces.
 *
 * @param code the reply code
 * @param text what followed the code, enhanced status code included
 */
record SmtpReply(int code, String text) {

    /** 2xx and 3xx: the command was accepted, or the server waits for more. */
    boolean positive() {
        return code >= 200 && code < 400;
    }

    /** 4xx: refused for now; the same command may succeed later. */
    boolean transientFailure() {
        return code >= 400 && code < 500;
    }

    /** 421: the server is closing the connection, whatever it was asked. */
    boolean closing() {
        return code == 421;
    }

    /** What a failure of this reply means for the message it answered. */
    SendResult refusal() {
        return SendResult.of(transientFailure() ? SendResult.Kind.TRANSIENT : SendResult.Kind.PERMANENT, toString());
    }

    @Override
    public String toString() {
        String reply = text.isEmpty() ? Integer.toString(code) : code + " " + text;
        return (reply.length() > 500) ? reply.substring(0, 500) : reply;
    }

}
