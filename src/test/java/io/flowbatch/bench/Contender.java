package io.flowbatch.bench;

/** What the benchmark runs against the same due evaluations. */
enum Contender {

    /** flowbatch's minute job, in chunks. */
    BATCHED("batched"),

    /**
     * The same job one evaluation at a time: {@code flowbatch.execution.mode=per-item}.
     */
    PER_ITEM("per-item"),

    /** One db-scheduler task per evaluation ({@link DbSchedulerPeer}). */
    DB_SCHEDULER("db-scheduler");

    private final String label;

    Contender(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

}
