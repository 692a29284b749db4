package io.flowbatch.execution;

/**
 * How the minute job names its steps, in one place: the manager's buffer step, then one
 * partition per action, a step execution named {@code executeAction:action-N}. The admin
 * pages, the dead-node sweep and the node registry tell partitions from the manager's
 * steps by these names.
 */
public final class Partitions {

    /** The manager's first step: due evaluations into their actions' Redis buckets. */
    public static final String BUFFER_STEP = "buffer";

    /** The step one partition runs. */
    public static final String PARTITION_STEP = "executeAction";

    /**
     * SQL condition: the {@code batch_step_execution} row aliased {@code s} is a
     * partition's.
     */
    public static final String IS_PARTITION_SQL = "s.step_name LIKE '" + PARTITION_STEP + ":%'";

    private Partitions() {
    }

    /**
     * The partition of one action, as the partitioner names it (the step execution adds
     * the step's name).
     */
    static String partitionName(long actionId) {
        return "action-" + actionId;
    }

    public static boolean isPartition(String stepExecutionName) {
        return stepExecutionName.startsWith(PARTITION_STEP + ":");
    }

}
