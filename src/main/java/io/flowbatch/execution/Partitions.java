package io.flowbatch.execution;

/**
 * How the minute job names its steps, in one place: the manager's buffer step, then the
 * partitions, step executions named {@code executeAction:action-N} for an action's first
 * and {@code executeAction:action-N.2}, {@code .3}, ... for the further ones of a deep
 * bucket. The admin pages, the dead-node sweep and the node registry tell partitions from
 * the manager's steps by these names; an operator reads the action off each.
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
     * The {@code part}-th partition of one action (from 1), as the partitioner names it;
     * the step execution adds the step's name.
     */
    static String partitionName(long actionId, int part) {
        return "action-" + actionId + ((part > 1) ? "." + part : "");
    }

    public static boolean isPartition(String stepExecutionName) {
        return stepExecutionName.startsWith(PARTITION_STEP + ":");
    }

}
