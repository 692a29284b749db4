package io.flowbatch.delivery;

/**
 * Whether the caller may still hand a message to the mail server. The sender asks before
 * every message, and again before every retry, so a thread that lost its claim on the
 * messages (taken for dead after a pause) hands nothing more over, even in the middle of
 * a chunk.
 */
@FunctionalInterface
public interface SendPermit {

    boolean granted();

}
