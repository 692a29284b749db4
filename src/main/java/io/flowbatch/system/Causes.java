package io.flowbatch.system;

/** The innermost cause of a failure: what an operator or a marketer needs to read. */
public final class Causes {

    private Causes() {
    }

    public static Throwable root(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

}
