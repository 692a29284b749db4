package io.flowbatch.system;

/** A validated page request of the admin API: page from 0, size from 1 to a maximum. */
public record Paging(int page, int size) {

    public static Paging of(int page, int size, int maxSize) {
        if (page < 0) {
            throw new InvalidRequestException("page", "must be 0 or more");
        }
        if (size < 1 || size > maxSize) {
            throw new InvalidRequestException("size", "must be between 1 and " + maxSize);
        }
        return new Paging(page, size);
    }

}
