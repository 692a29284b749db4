package io.flowbatch.execution;

/**
 * Not one message of a chunk reached the mail server: the step fails, nothing of the
 * chunk was sent, and a restart of the execution sends it.
 */
public class MailServerUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MailServerUnavailableException(String message) {
        super(message);
    }

}
