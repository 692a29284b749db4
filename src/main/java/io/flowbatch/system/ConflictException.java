package io.flowbatch.system;

/** The operation is not legal in the resource's current state: answered with 409. */
public class ConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }

}
