package io.flowbatch.execution;

import java.time.Duration;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class ConnectionBudgetTest {

    @Test
    void aPoolTooSmallForThePartitionsIsRefusedAtStartWithTheSettingsToChange() {
        try (HikariDataSource small = pool(8); HikariDataSource enough = pool(12)) {
            assertThatIllegalStateException()
                .isThrownBy(() -> new ConnectionBudget(small, threads(4)).afterSingletonsInstantiated())
                .withMessageContaining("maximum-pool-size is 8")
                .withMessageContaining("flowbatch.execution.threads=4 needs at least 12");
            assertThatCode(() -> new ConnectionBudget(enough, threads(4)).afterSingletonsInstantiated())
                .doesNotThrowAnyException();
        }
    }

    private static HikariDataSource pool(int size) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setMaximumPoolSize(size);
        return dataSource;
    }

    private static ExecutionProperties threads(int threads) {
        return new ExecutionProperties(500, threads, 5000, Duration.ofMinutes(2), Duration.ofMinutes(15), true,
                ExecutionProperties.Mode.BATCHED, ExecutionProperties.Partitioning.LOCAL, Duration.ofHours(1),
                Duration.ofSeconds(1), Duration.ofSeconds(30), null);
    }

}
