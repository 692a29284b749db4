package io.flowbatch.execution;

/**
 * How many partitions can run at once wherever this node's runs execute them: its own
 * threads with local partitioning, every worker node's with remote (the cluster package
 * counts them). A deep bucket is split into up to this many partitions, so a spike on one
 * action keeps every slot busy.
 */
@FunctionalInterface
public interface PartitionSlots {

    int available();

}
