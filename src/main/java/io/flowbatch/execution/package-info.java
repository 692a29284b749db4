/**
 * The minute job: a Spring Batch job that buffers due evaluations into Redis, then runs
 * one partition per action whose chunks claim, render and send (reader, processor,
 * writer), under a claim lease that fences a paused sender; the recovery of what a dead
 * run left, and how the job's steps and partitions are named and recorded by node. Owns
 * {@code claim_lease} and {@code step_execution_node}; moves evaluations only through the
 * evaluation package.
 */
package io.flowbatch.execution;
