package io.flowbatch.flow;

/** Whether a flow's trigger creates evaluations. */
public enum FlowStatus {

    /** Saved, triggers nothing yet. */
    DRAFT,
    /** Incoming trigger events create evaluations. */
    LIVE,
    /** Withdrawn. */
    ARCHIVED

}
