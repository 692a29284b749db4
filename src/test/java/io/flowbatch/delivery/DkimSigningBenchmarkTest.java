package io.flowbatch.delivery;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.DkimKeys;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What DKIM signing costs: the CPU time of one thread building a typical message (about 9
 * KB of HTML and text) without a key and with a 2048-bit RSA key, in the same run. Prints
 * the figures; asserts only that the signed messages carry a signature.
 * <p>
 * {@code ./mvnw -Pbenchmark test -Dtest=DkimSigningBenchmarkTest}
 */
@Tag("benchmark")
class DkimSigningBenchmarkTest {

    static final int MESSAGES = Integer.getInteger("flowbatch.bench.dkim-messages", 20_000);

    @Test
    void signingCostsThisMuchCpuPerMessage(@TempDir Path keys) throws Exception {
        MessageFactory unsigned = factory(new DkimSigner(new DkimProperties(null)));
        MessageFactory signed = factory(new DkimSigner(new DkimProperties(Map.of("shop.example",
                new DkimProperties.Key(DkimKeys.SELECTOR, new FileSystemResource(DkimKeys.privateKeyFile(keys)))))));
        RenderedEmail content = content();

        build(unsigned, content, MESSAGES / 4);
        build(signed, content, MESSAGES / 4);
        long plain = build(unsigned, content, MESSAGES);
        long dkim = build(signed, content, MESSAGES);

        System.out.printf(
                "DKIM: %d messages; CPU per message %.1f us unsigned, %.1f us signed (%.1fx); signed, one core builds %.0f a second%n",
                MESSAGES, plain / 1000.0 / MESSAGES, dkim / 1000.0 / MESSAGES, (double) dkim / plain,
                MESSAGES * 1e9 / dkim);
        assertThat(new String(signed.build(email(), content).content(), java.nio.charset.StandardCharsets.US_ASCII))
            .startsWith("DKIM-Signature: ");
    }

    /** CPU nanoseconds of this thread for building {@code count} messages. */
    private static long build(MessageFactory factory, RenderedEmail content, int count) throws Exception {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long start = cpu.getCurrentThreadCpuTime();
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += factory.build(email(), content).content().length;
        }
        assertThat(bytes).isPositive();
        return cpu.getCurrentThreadCpuTime() - start;
    }

    private static RenderedEmail content() {
        StringBuilder html = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            html.append("<p>Line ").append(i).append(" of the cart reminder, with a link to the product.</p>\n");
            text.append("Line ").append(i).append(" of the cart reminder, with a link to the product.\n");
        }
        return new RenderedEmail("You left something in your cart", html.toString(), text.toString());
    }

    private static MessageFactory factory(DkimSigner signer) {
        return new MessageFactory(
                new DeliveryProperties(DeliveryProperties.Guarantee.AT_MOST_ONCE, "flowbatch.local", 8, 32,
                        Duration.ofSeconds(30), 25, 3, Duration.ofMillis(200), 5, Duration.ofMinutes(5),
                        "http://localhost:8080", null, Duration.ofHours(16), List.of()),
                ReturnPathTest.none(), signer, Clock.systemUTC());
    }

    private static OutgoingEmail email() {
        return new OutgoingEmail(42, "jane@example.com", "Jane Doe", "Shop <hello@shop.example>",
                "https://shop.example/u/42.sig");
    }

}
