package io.flowbatch.system;

/** The addressed resource does not exist: answered with 404. */
public class NotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }

}
