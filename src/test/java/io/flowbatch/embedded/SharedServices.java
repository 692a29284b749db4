package io.flowbatch.embedded;

import java.nio.file.Path;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * PostgreSQL and Redis for the suites that start flowbatch themselves (the benchmark, the
 * crash suite): the machine's when FLOWBATCH_TEST_DATASOURCE_URL and
 * FLOWBATCH_TEST_REDIS_URL name them, else the embedded ones the zero-setup run uses,
 * started once for the test JVM with fresh data.
 *
 * @param jdbcUrl PostgreSQL, as a JDBC URL
 * @param username its user
 * @param redisUrl Redis, as a redis:// URL
 * @param embedded whether these are the embedded services
 */
public record SharedServices(String jdbcUrl, String username, String redisUrl, boolean embedded) {

    /**
     * Stops the embedded servers now: for a JVM that runs no Spring application of its
     * own (the crash suite's), where Boot's shutdown handler that would stop them is
     * never installed.
     */
    public static void stopEmbedded() {
        EmbeddedServices.stopAll();
    }

    /**
     * Deletes flowbatch's keys from Redis (the buckets), as a fresh start of a suite
     * needs.
     */
    public void deleteFlowbatchKeys() {
        RedisClient redis = RedisClient.create(redisUrl);
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            List<String> keys = connection.sync().keys("flowbatch:*");
            if (!keys.isEmpty()) {
                connection.sync().del(keys.toArray(String[]::new));
            }
        }
        finally {
            redis.shutdown();
        }
    }

    /**
     * The machine's services, or embedded ones keeping their data under
     * {@code dataDirectory}.
     */
    public static SharedServices resolve(Path dataDirectory) {
        String jdbcUrl = System.getenv("FLOWBATCH_TEST_DATASOURCE_URL");
        String redisUrl = System.getenv("FLOWBATCH_TEST_REDIS_URL");
        if (jdbcUrl != null && redisUrl != null) {
            return new SharedServices(jdbcUrl,
                    System.getenv().getOrDefault("FLOWBATCH_TEST_DATASOURCE_USERNAME", "postgres"), redisUrl, false);
        }
        EmbeddedServices.stopAllAtShutdown();
        EmbeddedPostgresServer postgres = EmbeddedServices.postgres(dataDirectory, true);
        EmbeddedRedisServer redis = EmbeddedServices.redis(dataDirectory);
        return new SharedServices(postgres.jdbcUrl(), EmbeddedPostgresServer.USER,
                "redis://" + redis.host() + ":" + redis.port(), true);
    }

}
