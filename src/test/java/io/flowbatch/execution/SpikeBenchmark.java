package io.flowbatch.execution;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.delivery.OutgoingEmail;
import io.flowbatch.delivery.RenderedEmail;
import io.flowbatch.delivery.SendResult;
import io.flowbatch.delivery.SmtpSender;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A top-of-the-hour spike: N due evaluations over a few actions, executed by one run of the
 * minute job against real PostgreSQL, Redis and an SMTP sink that only counts, in each mode
 * ({@link BatchedSpikeBenchmarkTest}, {@link PerItemSpikeBenchmarkTest}). Not part of the default
 * build (tag "benchmark"); run it with
 * {@code ./mvnw -Pbenchmark verify -Dflowbatch.bench.evaluations=100000}.
 */
@Tag("benchmark")
abstract class SpikeBenchmark {

    static final String SEED_CUSTOMERS = """
            INSERT INTO customer (email, first_name, last_name, properties)
            SELECT 'bench' || g || '@example.com', 'First' || g, 'Last' || g, jsonb_build_object('tier', 'gold', 'n', g)
            FROM generate_series(1, :n) g
            """;

    static final String SEED_EVENTS = """
            INSERT INTO event (customer_id, metric, properties, occurred_at)
            SELECT c.id, 'Started Checkout', jsonb_build_object('cartUrl', 'https://shop.example.com/cart/' || c.id,
                   'cartValue', '42.50', 'itemCount', 2), now() - interval '2 hours'
            FROM customer c
            """;

    static final String SEED_EVALUATIONS = """
            INSERT INTO evaluation (action_id, customer_id, event_id, flow_started_at, due_at)
            SELECT (:actions::bigint[])[1 + (e.id % cardinality(:actions::bigint[]))], e.customer_id, e.id, e.occurred_at,
                   now() - interval '1 minute'
            FROM event e
            """;

    @Autowired
    Fixtures fixture;

    @Autowired
    SmtpSender sender;

    @Autowired
    MessageFactory messages;

    /** The label printed with the results. */
    abstract String mode();

    /** How many evaluations this mode runs. */
    int evaluations() {
        return Integer.getInteger("flowbatch.bench.evaluations", 100_000);
    }

    @Test
    void spikeOfDueEvaluations() throws Exception {
        int n = evaluations();
        int actionCount = Integer.getInteger("flowbatch.bench.actions", 4);
        fixture.reset();
        fixture.smtp().countOnly();
        String html = new ClassPathResource("templates/email/abandoned-checkout.html").getContentAsString(StandardCharsets.UTF_8);
        List<Long> actions = new ArrayList<>();
        for (int i = 0; i < actionCount; i++) {
            actions.add(fixture.flow("Bench " + i, "Started Checkout " + i, List.of("Placed Order"), ActionStatus.LIVE,
                    html, "PT1H").get(0));
        }
        long seedStart = System.nanoTime();
        fixture.data().jdbc().sql(SEED_CUSTOMERS).param("n", n).update();
        fixture.data().jdbc().sql(SEED_EVENTS).update();
        fixture.data().jdbc().sql(SEED_EVALUATIONS).param("actions", actions.toArray(Long[]::new)).update();
        fixture.data().jdbc().sql("ANALYZE").update();
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;

        long start = System.nanoTime();
        JobExecution execution = fixture.runMinute();
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(n);
        Map<String, Long> received = fixture.smtp().countByMessageId();
        assertThat(received).hasSize(n);
        assertThat(received.values()).allMatch((count) -> count == 1);

        System.out.printf("%nBENCHMARK flowbatch %s: %,d evaluations over %d actions in %.2f s = %,.0f evaluations/s "
                + "(seeded in %.1f s)%n", mode(), n, actionCount, seconds, n / seconds, seedSeconds);
        for (StepExecution step : execution.getStepExecutions()) {
            System.out.printf("  step %-28s %6.2f s  read %,d  write %,d  filter %,d  commits %,d%n", step.getStepName(),
                    Duration.between(step.getStartTime(), step.getEndTime()).toMillis() / 1000.0, step.getReadCount(),
                    step.getWriteCount(), step.getFilterCount(), step.getCommitCount());
        }
        rawSmtpRate(Math.min(n, 20_000), html);
    }

    /** The limit: pre-rendered messages through the same client and connections, nothing else. */
    private void rawSmtpRate(int count, String html) throws Exception {
        List<MimeMessage> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(messages.build(sender.session(), new OutgoingEmail(1_000_000_000L + i, "raw" + i + "@example.com",
                    "Raw Recipient", "Shop <shop@example.com>", "https://example.com/u/1.x"),
                    new RenderedEmail("Still thinking it over?", html, "Your cart is waiting")));
        }
        long start = System.nanoTime();
        int sent = 0;
        for (int i = 0; i < batch.size(); i += 500) {
            for (SendResult result : sender.send(batch.subList(i, Math.min(batch.size(), i + 500)))) {
                sent += result.isSent() ? 1 : 0;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(sent).isEqualTo(count);
        System.out.printf("BENCHMARK raw SMTP (same client, same connections, pre-rendered): %,d messages in %.2f s = %,.0f "
                + "messages/s%n%n", count, seconds, count / seconds);
    }

}
