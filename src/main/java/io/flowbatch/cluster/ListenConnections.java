package io.flowbatch.cluster;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

import org.postgresql.PGProperty;
import org.postgresql.jdbc.PgConnection;

import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.integration.jdbc.channel.PgConnectionSupplier;

/**
 * The dedicated, unpooled connection the LISTEN for new partition requests runs on.
 * Spring Integration's subscriber asks again at once when a connection fails; while
 * PostgreSQL is away that would be a busy loop writing an error per attempt, so attempts
 * after a failure wait.
 */
class ListenConnections implements PgConnectionSupplier {

    private static final Duration RETRY_DELAY = Duration.ofSeconds(2);

    private final DataSourceProperties dataSource;

    private volatile boolean lastFailed;

    ListenConnections(DataSourceProperties dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public PgConnection get() throws SQLException {
        if (lastFailed) {
            try {
                Thread.sleep(RETRY_DELAY.toMillis());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new SQLException("Interrupted while waiting to reconnect", ex);
            }
        }
        Properties properties = new Properties();
        if (dataSource.determineUsername() != null) {
            properties.setProperty(PGProperty.USER.getName(), dataSource.determineUsername());
        }
        if (dataSource.determinePassword() != null) {
            properties.setProperty(PGProperty.PASSWORD.getName(), dataSource.determinePassword());
        }
        PGProperty.APPLICATION_NAME.set(properties, "flowbatch-listen");
        try {
            PgConnection connection = DriverManager.getConnection(dataSource.determineUrl(), properties)
                .unwrap(PgConnection.class);
            lastFailed = false;
            return connection;
        }
        catch (SQLException ex) {
            lastFailed = true;
            throw ex;
        }
    }

}
