package io.flowbatch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.flowbatch.support.TestSmtpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The SMTP server the benchmark sends to: postfix's {@code smtp-sink} (C, a process of
 * its own, so it takes none of the JVM's CPU; a relay as fast as the machine allows)
 * where it is installed, else the in-process {@link TestSmtpServer}.
 * {@code -Dflowbatch.bench.sink} ({@code postfix} or {@code java}) chooses.
 */
interface BenchSink {

    Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");

    static BenchSink current() {
        return Holder.SINK;
    }

    int port();

    /** Forgets what was received. */
    void reset();

    /**
     * Asserts that exactly {@code n} messages arrived since {@link #reset()} (and, where
     * the sink can tell, each Message-ID once).
     */
    void assertReceived(long n);

    String describe();

    /** Chosen once per benchmark JVM. */
    final class Holder {

        static final BenchSink SINK = choose();

        private Holder() {
        }

        private static BenchSink choose() {
            String chosen = System.getProperty("flowbatch.bench.sink",
                    Files.isExecutable(SMTP_SINK) ? "postfix" : "java");
            return chosen.equals("postfix") ? PostfixSink.start() : new InProcess();
        }

    }

    /** The in-process sink, which counts by Message-ID. */
    final class InProcess implements BenchSink {

        private final TestSmtpServer smtp = TestSmtpServer.shared();

        @Override
        public int port() {
            return smtp.port();
        }

        @Override
        public void reset() {
            smtp.reset();
            smtp.countOnly();
        }

        @Override
        public void assertReceived(long n) {
            assertThat(smtp.countByMessageId()).hasSize((int) n);
            assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
        }

        @Override
        public String describe() {
            return "flowbatch's in-process test SMTP server";
        }

    }

    /**
     * postfix's smtp-sink, counting the messages it accepted from its running counters
     * ({@code -c}).
     */
    final class PostfixSink implements BenchSink {

        private final int port;

        private final AtomicLong messages = new AtomicLong();

        private volatile long base;

        private PostfixSink(int port) {
            this.port = port;
        }

        static PostfixSink start() {
            try {
                int port;
                try (ServerSocket probe = new ServerSocket(0)) {
                    port = probe.getLocalPort();
                }
                PostfixSink sink = new PostfixSink(port);
                // As root it must drop to another user; a backlog as deep as the job's
                // connections.
                Process process = new ProcessBuilder(SMTP_SINK.toString(), "-u", "nobody", "-c", "127.0.0.1:" + port,
                        "1024")
                    .redirectErrorStream(true)
                    .start();
                Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
                Thread counter = new Thread(() -> sink.count(process), "smtp-sink-counter");
                counter.setDaemon(true);
                counter.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.listening());
                return sink;
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        /**
         * Its counters come as "sess=N quit=N mesg=N", each ended by a carriage return.
         */
        private void count(Process process) {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                StringBuilder line = new StringBuilder();
                for (int c = in.read(); c >= 0; c = in.read()) {
                    if (c != '\r' && c != '\n') {
                        line.append((char) c);
                        continue;
                    }
                    int at = line.indexOf("mesg=");
                    if (at >= 0) {
                        messages.set(Long.parseLong(line.substring(at + 5).strip()));
                    }
                    line.setLength(0);
                }
            }
            catch (IOException | NumberFormatException ex) {
                // The process ended with the JVM.
            }
        }

        private boolean listening() {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return socket.isConnected();
            }
            catch (IOException ex) {
                return false;
            }
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void reset() {
            base = messages.get();
        }

        @Override
        public void assertReceived(long n) {
            // Its counter is printed as each message ends: give the last lines a moment.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(messages.get() - base).isEqualTo(n));
        }

        @Override
        public String describe() {
            return "postfix smtp-sink";
        }

    }

}
