package io.flowbatch.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.delivery.OutgoingEmail;
import io.flowbatch.delivery.PreparedMessage;
import io.flowbatch.delivery.RenderedEmail;
import io.flowbatch.delivery.SmtpSender;
import io.flowbatch.support.StandaloneFlowbatch;

import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limit of the machine: how fast the counting sink takes pre-rendered messages from
 * the same mail client over the same connections as the job (one sender per partition
 * thread, each chunk over its SMTP connections), nothing else; and, where postfix's
 * {@code smtp-source} is installed, how fast that C client fills the same sink.
 */
final class SmtpLimit {

    static final Path SMTP_SOURCE = Path.of("/usr/sbin/smtp-source");

    private final SmtpSender sender;

    private final MessageFactory messages;

    private final BenchSink sink = BenchSink.current();

    SmtpLimit(SmtpSender sender, MessageFactory messages) {
        this.sender = sender;
        this.messages = messages;
    }

    /**
     * Messages per second through flowbatch's own client, {@code threads} chunks of 500
     * at a time.
     */
    Rate client(int count, int threads) throws Exception {
        List<PreparedMessage> batch = prerendered(count);
        sink.reset();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<Long>> slices = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                slices.add(pool.submit(() -> {
                    long sent = 0;
                    for (int i = first * 500; i < batch.size(); i += threads * 500) {
                        sent += sender.send(batch.subList(i, Math.min(batch.size(), i + 500)), () -> true)
                            .stream()
                            .filter((result) -> result.isSent())
                            .count();
                    }
                    return sent;
                }));
            }
            long sent = 0;
            for (Future<Long> slice : slices) {
                sent += slice.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(sent).isEqualTo(count);
            sink.assertReceived(count);
            return new Rate("flowbatch's SMTP client, pre-rendered", count, seconds, size(batch.get(0)));
        }
        finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Messages per second from postfix's smtp-source over as many sessions, each sending
     * message after message on its connection ({@code -d}) as flowbatch does, or null
     * where it is not installed.
     */
    Rate smtpSource(int count, int sessions, int messageSize) throws Exception {
        if (!Files.isExecutable(SMTP_SOURCE)) {
            return null;
        }
        sink.reset();
        long start = System.nanoTime();
        Process process = new ProcessBuilder(SMTP_SOURCE.toString(), "-d", "-s", Integer.toString(sessions), "-m",
                Integer.toString(count), "-l", Integer.toString(messageSize), "-f", "shop@example.com", "-t",
                "bench@example.com", "127.0.0.1:" + sink.port())
            .redirectErrorStream(true)
            .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        double seconds = (System.nanoTime() - start) / 1e9;
        sink.assertReceived(count);
        return new Rate("postfix smtp-source (C)", count, seconds, messageSize);
    }

    private List<PreparedMessage> prerendered(int count) throws Exception {
        String html = new ClassPathResource(StandaloneFlowbatch.TEMPLATE).getContentAsString(StandardCharsets.UTF_8);
        List<PreparedMessage> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(messages.build(
                    new OutgoingEmail(2_000_000_000L + i, "raw" + i + "@example.com", "Raw Recipient",
                            "Shop <shop@example.com>", "https://example.com/u/1.x"),
                    new RenderedEmail("Still thinking it over?", html, "Your cart is waiting")));
        }
        return batch;
    }

    private static int size(PreparedMessage message) {
        return message.content().length;
    }

    /**
     * A raw send rate.
     *
     * @param client what sent
     * @param messages how many
     * @param seconds how long
     * @param messageBytes the size of one message
     */
    record Rate(String client, int messages, double seconds, int messageBytes) {

        double perSecond() {
            return messages / seconds;
        }

    }

}
