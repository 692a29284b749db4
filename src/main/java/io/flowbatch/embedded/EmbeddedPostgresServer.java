package io.flowbatch.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.util.FileSystemUtils;

/** A real PostgreSQL server from Maven Central binaries, with its data in a lasting directory. */
public final class EmbeddedPostgresServer implements AutoCloseable {

    static final String USER = "postgres";

    static final String DATABASE = "postgres";

    private final EmbeddedPostgres postgres;

    private final Path dataDirectory;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    static EmbeddedPostgresServer start(Path baseDirectory, boolean clean) {
        Path data = baseDirectory.resolve("postgres");
        try {
            ProcessFiles.stopOrphan(data.resolve("postmaster.pid"), "postgres");
            if (clean) {
                FileSystemUtils.deleteRecursively(data);
            }
            Files.createDirectories(baseDirectory);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(baseDirectory.resolve("binaries").toFile())
                // Stopped by the application after its contexts have closed, not by a racing hook.
                .setRegisterShutdownHook(false)
                .setPort(ProcessFiles.freePort())
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "200")
                .setServerConfig("shared_buffers", "256MB")
                // A demo and test database: losing the last commits on a power cut is acceptable,
                // waiting for fsync on every commit is not.
                .setServerConfig("synchronous_commit", "off")
                .start();
            return new EmbeddedPostgresServer(postgres, data);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Embedded PostgreSQL did not start in " + data, ex);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }

}
