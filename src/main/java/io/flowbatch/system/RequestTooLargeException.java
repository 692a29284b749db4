package io.flowbatch.system;

import java.io.IOException;

/** A request body grew past {@code flowbatch.http.max-request-size} while it was read. */
public class RequestTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    public RequestTooLargeException(long limit) {
        super("The request body is larger than " + limit + " bytes.");
    }

}
