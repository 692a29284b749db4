package io.flowbatch.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application ({@code target/flowbatch-*.jar}, built by {@code package} before the
 * integration tests) run as a child process, its output kept in a log file, killed with SIGKILL
 * when the test says so.
 */
final class ChildApplication {

    static final String READY = "flowbatch is ready.";

    private final Process process;

    private final int port;

    private final CountDownLatch ready = new CountDownLatch(1);

    private ChildApplication(Process process, int port, Path log) throws IOException {
        this.process = process;
        this.port = port;
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)); out) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.println(line);
                    if (line.contains(READY)) {
                        ready.countDown();
                    }
                }
            }
            catch (IOException ex) {
                // the process is gone: nothing more to read
            }
        }, "child-log-" + port);
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts the jar with these settings (as command-line properties) and waits until it reports ready. */
    static ChildApplication start(Path jar, Map<String, String> settings, Path log, Duration timeout) throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(), "--server.port=" + port));
        settings.forEach((name, value) -> command.add("--" + name + "=" + value));
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ChildApplication child = new ChildApplication(process, port, log);
        if (!child.ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            child.kill();
            throw new IllegalStateException("flowbatch did not report ready within " + timeout + ": see " + log);
        }
        return child;
    }

    int port() {
        return port;
    }

    /** SIGKILL: no shutdown hook, no last chunk boundary, exactly like a machine that lost power. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
