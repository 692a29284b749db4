package io.flowbatch.webhook;

/** A webhook request flowbatch will not make: its host is not one it may reach. */
public class WebhookRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    WebhookRefusedException(String message) {
        super(message);
    }

}
