package io.flowbatch.embedded;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.SpringApplication;

/**
 * The embedded servers of this JVM. There is one of each per JVM, however many
 * application contexts ask (the test suite starts several): starting PostgreSQL costs
 * seconds. They are stopped by {@link #stopAll()}, which Spring Boot runs after every
 * context has closed.
 */
public final class EmbeddedServices {

    private static final Log logger = LogFactory.getLog(EmbeddedServices.class);

    private static final AtomicBoolean shutdownHandlerRegistered = new AtomicBoolean();

    private static EmbeddedPostgresServer postgres;

    private static EmbeddedRedisServer redis;

    private static EmbeddedSmtpServer smtp;

    private EmbeddedServices() {
    }

    static synchronized EmbeddedPostgresServer postgres(Path dataDirectory, boolean clean) {
        if (postgres == null) {
            postgres = EmbeddedPostgresServer.start(dataDirectory, clean);
        }
        return postgres;
    }

    static synchronized EmbeddedRedisServer redis(Path dataDirectory) {
        if (redis == null) {
            redis = EmbeddedRedisServer.start(dataDirectory);
        }
        return redis;
    }

    static synchronized EmbeddedSmtpServer smtp() {
        if (smtp == null) {
            smtp = EmbeddedSmtpServer.start();
        }
        return smtp;
    }

    public static synchronized Optional<EmbeddedPostgresServer> runningPostgres() {
        return Optional.ofNullable(postgres);
    }

    public static synchronized Optional<EmbeddedRedisServer> runningRedis() {
        return Optional.ofNullable(redis);
    }

    public static synchronized Optional<EmbeddedSmtpServer> runningSmtp() {
        return Optional.ofNullable(smtp);
    }

    /**
     * Stops every embedded server when the JVM exits, once: after every application
     * context has closed (Spring Boot's shutdown handlers), so no bean loses its database
     * early; and in a JVM that runs no Spring application too (the crash suite's), since
     * adding the handler installs Boot's JVM hook.
     */
    static void stopAllAtShutdown() {
        if (shutdownHandlerRegistered.compareAndSet(false, true)) {
            SpringApplication.getShutdownHandlers().add(EmbeddedServices::stopAll);
        }
    }

    static synchronized void stopAll() {
        List<AutoCloseable> running = new ArrayList<>();
        if (smtp != null) {
            running.add(smtp);
        }
        if (redis != null) {
            running.add(redis);
        }
        if (postgres != null) {
            running.add(postgres);
        }
        for (AutoCloseable server : running) {
            try {
                server.close();
            }
            catch (Exception ex) {
                logger.warn("Embedded server did not stop cleanly: " + server, ex);
            }
        }
        smtp = null;
        redis = null;
        postgres = null;
    }

}
