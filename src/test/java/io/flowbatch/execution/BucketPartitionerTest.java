package io.flowbatch.execution;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How many partitions an action's bucket is split into. */
class BucketPartitionerTest {

    @Test
    void aLoneDeepActionTakesEverySlot() {
        assertThat(BucketPartitioner.parts(100_000, 100_000, 4, 500)).isEqualTo(4);
        assertThat(BucketPartitioner.parts(100_000, 100_000, 12, 500)).isEqualTo(12);
    }

    @Test
    void actionsShareTheSlotsByDepthAndEachGetsOne() {
        assertThat(BucketPartitioner.parts(25_000, 100_000, 4, 500)).isEqualTo(1);
        assertThat(BucketPartitioner.parts(90_000, 93_000, 4, 500)).isEqualTo(4);
        assertThat(BucketPartitioner.parts(1_000, 93_000, 4, 500)).as("a shallow bucket beside a deep one")
            .isEqualTo(1);
    }

    @Test
    void neverMorePartitionsThanChunksOfWork() {
        assertThat(BucketPartitioner.parts(700, 700, 4, 500)).isEqualTo(2);
        assertThat(BucketPartitioner.parts(3, 3, 4, 500)).isEqualTo(1);
        assertThat(BucketPartitioner.parts(3, 3, 4, 1)).as("one evaluation per chunk (per-item)").isEqualTo(3);
    }

}
