package io.flowbatch.flow;

/** Whether an action's due evaluations are executed. */
public enum ActionStatus {

    /** Executed when due. */
    LIVE,
    /** Held: due evaluations wait until an operator sets the action live. */
    MANUAL,
    /** Not ready: due evaluations are skipped with a reason. */
    DRAFT,
    /** Temporarily stopped: due evaluations wait. */
    PAUSED

}
