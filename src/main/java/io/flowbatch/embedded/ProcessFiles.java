package io.flowbatch.embedded;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Small helpers for the embedded servers: free ports and processes orphaned by a crash.
 */
final class ProcessFiles {

    private ProcessFiles() {
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new IllegalStateException("No free local port for an embedded server", ex);
        }
    }

    /**
     * Stops a server process that a previous run left behind when it was killed: its pid
     * is the first line of {@code pidFile}. Only a live process whose command contains
     * {@code commandFragment} is stopped, so a recycled pid never hits an unrelated
     * process.
     */
    static void stopOrphan(Path pidFile, String commandFragment) {
        readPid(pidFile).flatMap(ProcessHandle::of)
            .filter(ProcessHandle::isAlive)
            .filter(process -> process.info().command().map(c -> c.contains(commandFragment)).orElse(false))
            .ifPresent(process -> {
                process.destroy();
                try {
                    process.onExit().get(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS);
                }
                catch (Exception ex) {
                    process.destroyForcibly();
                }
            });
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
            return first.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(first));
        }
        catch (IOException | NumberFormatException ex) {
            return Optional.empty();
        }
    }

}
