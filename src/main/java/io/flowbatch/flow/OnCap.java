package io.flowbatch.flow;

/** What a marketing action does with a customer a frequency cap holds back. */
public enum OnCap {

    /** Skipped, with the cap as the reason. */
    SKIP,
    /** Waits, still WAITING, until the cap allows it. */
    DEFER

}
