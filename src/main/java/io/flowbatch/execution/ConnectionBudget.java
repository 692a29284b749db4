package io.flowbatch.execution;

import java.sql.SQLException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Refuses to start with a connection pool too small for the partitions: each one holds
 * its chunk's connection while it claims or marks rows on a second one, so a pool of
 * fewer than two per partition, plus a few for the buffer step, Quartz and the web, can
 * deadlock a run.
 */
@Component
class ConnectionBudget implements SmartInitializingSingleton {

    static final int SPARE = 4;

    private final DataSource dataSource;

    private final int threads;

    ConnectionBudget(DataSource dataSource, ExecutionProperties properties) {
        this.dataSource = dataSource;
        this.threads = properties.threads();
    }

    @Override
    public void afterSingletonsInstantiated() {
        int needed = threads * 2 + SPARE;
        try {
            if (dataSource.isWrapperFor(HikariDataSource.class)) {
                int pool = dataSource.unwrap(HikariDataSource.class).getMaximumPoolSize();
                if (pool < needed) {
                    throw new IllegalStateException("spring.datasource.hikari.maximum-pool-size is " + pool + " but "
                            + "flowbatch.execution.threads=" + threads + " needs at least " + needed
                            + " (two connections per partition and " + SPARE + " spare)");
                }
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Cannot inspect the connection pool", ex);
        }
    }

}
