package io.flowbatch.system;

/** The operation is not legal in the resource's current state: answered with 409. */
public class ConflictException extends RuntimeException {

    public ConflictException(String message) {
        super(message);
    }

}
