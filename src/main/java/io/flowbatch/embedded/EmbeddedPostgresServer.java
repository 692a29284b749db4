package io.flowbatch.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.util.FileSystemUtils;

/**
 * A real PostgreSQL server from Maven Central binaries, with its data in a lasting
 * directory and, unless wiped at every start, fsync on: a crash or power cut loses no
 * committed transaction.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    static final String USER = "postgres";

    static final String DATABASE = "postgres";

    private final EmbeddedPostgres postgres;

    private final Path dataDirectory;

    private final boolean durable;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory, boolean durable) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.durable = durable;
    }

    static EmbeddedPostgresServer start(Path baseDirectory, boolean clean) {
        Path data = baseDirectory.resolve("postgres");
        try {
            ProcessFiles.stopOrphan(data.resolve("postmaster.pid"), "postgres");
            if (clean) {
                FileSystemUtils.deleteRecursively(data);
            }
            Files.createDirectories(baseDirectory);
            String durable = clean ? "off" : "on";
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(baseDirectory.resolve("binaries").toFile())
                // Stopped by the application after its contexts have closed, not by a
                // racing hook.
                .setRegisterShutdownHook(false)
                .setPort(ProcessFiles.freePort())
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "200")
                .setServerConfig("shared_buffers", "256MB")
                // The library starts the server with -F (no fsync) and
                // synchronous_commit=off; these
                // -c options come after and win. A kept store is durable: the zero-setup
                // run promises
                // the same "nothing lost, nothing sent twice" through a crash as a real
                // server (a
                // SENDING row committed must survive a power cut). A store wiped at every
                // start
                // (tests) has nothing to keep, and skips the fsyncs.
                .setServerConfig("fsync", durable)
                .setServerConfig("synchronous_commit", durable)
                .setServerConfig("full_page_writes", durable)
                .start();
            return new EmbeddedPostgresServer(postgres, data, !clean);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Embedded PostgreSQL did not start in " + data, ex);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
    }

    /**
     * Whether commits reach the disk before they return (off only for a store wiped at
     * start).
     */
    public boolean durable() {
        return durable;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }

}
