package io.flowbatch.system;

import java.io.IOException;

/** A request body grew past {@code flowbatch.http.max-request-size} while it was read. */
public class RequestTooLargeException extends IOException {

    public RequestTooLargeException(long limit) {
        super("The request body is larger than " + limit + " bytes.");
    }

}
