package io.flowbatch.execution;

/**
 * A step execution's claim lease ended while it ran (its node was silent for longer than
 * the lease: a pause, a lost database): it was taken for dead, so it stops. What it had
 * claimed is recovered by whoever runs next, and a restart of the execution finishes the
 * action.
 */
public class ClaimLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ClaimLostException(long stepExecutionId) {
        super("Step execution " + stepExecutionId + " no longer holds its claim lease (it was taken for dead); "
                + "it stopped claiming and sending, and its evaluations are recovered");
    }

}
