package io.flowbatch.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server process. The binary comes from the org.signal:embedded-redis jar on
 * the class path; we launch it ourselves so that it runs like production Redis: no
 * persistence.
 */
public final class EmbeddedRedisServer implements AutoCloseable {

    static final String VERSION = "7.0.15";

    private final Process process;

    private final int port;

    private final Path pidFile;

    private EmbeddedRedisServer(Process process, int port, Path pidFile) {
        this.process = process;
        this.port = port;
        this.pidFile = pidFile;
    }

    static EmbeddedRedisServer start(Path baseDirectory) {
        Path workDirectory = baseDirectory.resolve("redis");
        Path pidFile = workDirectory.resolve("redis.pid");
        try {
            Files.createDirectories(workDirectory);
            ProcessFiles.stopOrphan(pidFile, "redis-server");
            Path binary = unpackBinary(baseDirectory.resolve("binaries"));
            int port = ProcessFiles.freePort();
            Process process = new ProcessBuilder(
                    List.of(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--dir", workDirectory.toString(), "--daemonize", "no"))
                .redirectErrorStream(true)
                .start();
            awaitReady(process, port);
            Files.writeString(pidFile, Long.toString(process.pid()));
            return new EmbeddedRedisServer(process, port, pidFile);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Embedded Redis did not start in " + workDirectory, ex);
        }
    }

    private static Path unpackBinary(Path directory) throws IOException {
        String resource = "redis-server-" + VERSION + "-" + platform();
        Path target = directory.resolve(resource);
        if (!Files.isExecutable(target)) {
            Files.createDirectories(directory);
            try (InputStream in = EmbeddedRedisServer.class.getResourceAsStream("/" + resource)) {
                if (in == null) {
                    throw new IOException("No redis-server binary for this platform on the class path: " + resource);
                }
                Path partial = Files.createTempFile(directory, resource, ".part");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                partial.toFile().setExecutable(true);
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }

    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osPart = os.contains("mac") ? "darwin" : "linux";
        String archPart = (arch.contains("aarch64") || arch.contains("arm64")) ? "arm64" : "amd64";
        return osPart + "-" + archPart;
    }

    /** Reads the server's output until it says it is ready, then keeps draining it. */
    private static void awaitReady(Process process, int port) throws IOException {
        BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Void> ready = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Thread drain = new Thread(() -> {
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!ready.isDone()) {
                        output.append(line).append('\n');
                        if (line.contains("Ready to accept connections")) {
                            ready.complete(null);
                        }
                    }
                }
            }
            catch (IOException ex) {
                // The process ended; the exit is noticed below.
            }
            ready.completeExceptionally(new IOException("redis-server exited:\n" + output));
        }, "embedded-redis-output");
        drain.setDaemon(true);
        drain.start();
        try {
            ready.get(30, TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            process.destroyForcibly();
            throw new IOException("redis-server did not become ready on port " + port + ": " + ex.getMessage(), ex);
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(pidFile);
    }

}
