package io.flowbatch.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.flowbatch.flow.ActionStatus;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The peer on the same workload, PostgreSQL and SMTP sink as the batched job: one db-scheduler
 * task per evaluation. Benchmark only (tag "benchmark"); {@code -Dflowbatch.bench.peer-evaluations}
 * sets N (default 10,000).
 */
@Tag("benchmark")
@FlowbatchTest
class DbSchedulerPeerBenchmarkTest {

    @Autowired
    Fixtures fixtures;

    @Autowired
    ApplicationContext context;

    @Test
    void oneTaskPerEvaluation() throws Exception {
        int n = Integer.getInteger("flowbatch.bench.peer-evaluations", 10_000);
        fixtures.reset();
        fixtures.smtp().countOnly();
        String html = new ClassPathResource("templates/email/abandoned-checkout.html").getContentAsString(StandardCharsets.UTF_8);
        long action = fixtures.flow("Peer", Fixtures.TRIGGER, List.of("Placed Order"), ActionStatus.LIVE, html, "PT1H").get(0);
        fixtures.dueCheckouts(0, n);

        double seconds = new DbSchedulerPeer(context).run(action, 4);

        assertThat(fixtures.count("action_id = " + action + " AND state = 'SENT'")).isEqualTo(n);
        assertThat(fixtures.smtp().countByMessageId()).hasSize(n);
        assertThat(fixtures.smtp().countByMessageId().values()).allMatch((count) -> count == 1);
        System.out.printf("%nBENCHMARK db-scheduler peer: %,d evaluations, one task each, 4 threads, in %.2f s = %,.0f "
                + "evaluations/s%n%n", n, seconds, n / seconds);
    }

}
