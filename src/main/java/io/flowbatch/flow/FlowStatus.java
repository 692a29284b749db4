package io.flowbatch.flow;

/** Whether a flow's trigger creates evaluations. */
public enum FlowStatus {

    /** Saved, triggers nothing yet. */
    DRAFT,
    /** Incoming trigger events create evaluations. */
    LIVE,
    /**
     * Holds every pending evaluation where it is and starts none; resumed, they go on.
     */
    PAUSED,
    /** Withdrawn for good: its pending evaluations were cancelled; it starts none. */
    ARCHIVED

}
