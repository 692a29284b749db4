package io.flowbatch.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The packaged application ({@code target/flowbatch-*.jar}, built by {@code package}
 * before the integration tests) run as a child process, its output kept in a log file,
 * killed with SIGKILL or stopped with SIGTERM when the test says so.
 */
public final class ChildApplication {

    public static final String READY = "flowbatch is ready.";

    private static final Pattern ACTION_ID = Pattern.compile("\"actions\"\\s*:\\s*\\[\\s*\\{\\s*\"id\"\\s*:\\s*(\\d+)");

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

    /**
     * Starts the jar with these settings (as command-line properties) and waits until it
     * reports ready.
     */
    public static ChildApplication start(Path jar, Map<String, String> settings, Path log, Duration timeout)
            throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar",
                        jar.toString(), "--server.port=" + port));
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

    public int port() {
        return port;
    }

    /**
     * SIGKILL: no shutdown hook, no last chunk boundary, exactly like a machine that lost
     * power.
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM, as a deploy or {@code docker stop} sends it, and waits for the process to
     * exit.
     */
    public void terminate(Duration timeout) throws InterruptedException {
        // Through the handle: Process.destroy() would also close the pipes, and the log
        // would lose
        // everything the process says while it shuts down.
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("flowbatch did not exit within " + timeout + " of SIGTERM");
        }
    }

    /** CPU time the process has used so far (user and system, all threads). */
    public Duration cpu() {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * Creates {@code count} one-action flows through the API (triggers
     * {@code Started Checkout i}, delay PT1H) and returns their action ids, for
     * {@link Spike#seed}.
     */
    public List<Long> createFlows(int count, String apiKey) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<Long> actions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = """
                    {"name": "Spike %d", "trigger": {"metric": "Started Checkout %d"}, "exitMetrics": ["Placed Order"],
                     "actions": [{"delay": "PT1H", "status": "LIVE", "email": {"from": "Shop <shop@example.com>",
                       "subject": "Hi [[${customer.firstName}]]", "html": "<p>Your cart: [[${event.properties['cartUrl']}]]</p>"}}]}
                    """
                .formatted(i, i);
            HttpResponse<String> response = http
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/flows"))
                    .header("X-Api-Key", apiKey)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                throw new IllegalStateException(
                        "Creating a flow answered " + response.statusCode() + ": " + response.body());
            }
            Matcher id = ACTION_ID.matcher(response.body());
            if (!id.find()) {
                throw new IllegalStateException("No action id in " + response.body());
            }
            actions.add(Long.parseLong(id.group(1)));
        }
        return actions;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
