package io.flowbatch.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.delivery.SmtpSender;
import io.flowbatch.embedded.SharedServices;
import io.flowbatch.support.TcpProxy;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The benchmark: every contender over the same spike of due evaluations, at each N and
 * each added round trip, then the chunk-size sweep and the limit of the machine, written
 * to {@code target/bench/performance.{json,md}} and {@code chunk-sweep.svg}. Runs only
 * with {@code ./mvnw -Pbenchmark verify}, against the machine's PostgreSQL and Redis when
 * FLOWBATCH_TEST_DATASOURCE_URL and FLOWBATCH_TEST_REDIS_URL name them, else the embedded
 * ones.
 *
 * <p>
 * The per-item contenders pay the same cost for every evaluation, so their rate does not
 * depend on N: they run at most {@code flowbatch.bench.baseline-evaluations} (and
 * {@code baseline-latency-evaluations} once a round trip is added), which keeps the run
 * in minutes rather than hours; raise both to run them at full size.
 */
@Tag("benchmark")
class PerformanceBenchmarkTest {

    static final int[] CHUNK_SIZES = { 1, 10, 50, 100, 250, 500, 1000, 2000 };

    /** The job's default, at which the contenders are compared. */
    static final int CHUNK_SIZE = 500;

    /**
     * Actions the spike is spread over; the first is the one the sweep and the limits
     * use.
     */
    private final List<Integer> actionCounts = ints(System.getProperty("flowbatch.bench.actions", "4"));

    private final int actions = actionCounts.get(0);

    @Test
    void contendersSideBySide() throws Exception {
        List<Integer> sizes = ints(System.getProperty("flowbatch.bench.sizes", "10000,100000"));
        List<Double> latencies = doubles(System.getProperty("flowbatch.bench.latencies", "0,1"));
        // Round trip added on the SMTP path alone (a relay in another network), batched
        // only.
        List<Double> smtpLatencies = doubles(System.getProperty("flowbatch.bench.smtp-latencies", "0"));
        List<Contender> contenders = Arrays
            .stream(System.getProperty("flowbatch.bench.contenders", "batched,per-item,db-scheduler").split(","))
            .map(String::strip)
            .map((label) -> Arrays.stream(Contender.values())
                .filter((c) -> c.label().equals(label))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown contender " + label)))
            .toList();
        int baseline = Integer.getInteger("flowbatch.bench.baseline-evaluations", 10_000);
        int baselineWithLatency = Integer.getInteger("flowbatch.bench.baseline-latency-evaluations", 2_000);
        int sweepEvaluations = Integer.getInteger("flowbatch.bench.sweep-evaluations", 5_000);
        boolean runSweep = Boolean.parseBoolean(System.getProperty("flowbatch.bench.sweep", "true"));

        SharedServices services = SharedServices.resolve(Path.of("target", "bench-services"));
        int warmup = Integer.getInteger("flowbatch.bench.warmup", 5_000);
        if (warmup > 0) {
            // Not reported: the JIT compiles the hot paths here, not during the first
            // measured run.
            try (Endpoints direct = new Endpoints(services, 0, 0)) {
                measure(direct, Contender.BATCHED, warmup, 0, CHUNK_SIZE, actions);
            }
        }
        List<Measurement> runs = new ArrayList<>();
        List<Measurement> sweep = new ArrayList<>();
        for (double latency : latencies) {
            try (Endpoints endpoints = new Endpoints(services, latency, 0)) {
                for (Contender contender : contenders) {
                    int cap = (contender == Contender.BATCHED) ? Integer.MAX_VALUE
                            : (latency > 0) ? baselineWithLatency : baseline;
                    Set<Integer> capped = new LinkedHashSet<>();
                    sizes.forEach((n) -> capped.add(Math.min(n, cap)));
                    List<Integer> spreads = (contender == Contender.BATCHED) ? actionCounts : List.of(actions);
                    for (int n : capped) {
                        for (int actionCount : spreads) {
                            runs.add(measure(endpoints, contender, n, latency, CHUNK_SIZE, actionCount));
                        }
                    }
                }
                if (runSweep) {
                    for (int chunkSize : CHUNK_SIZES) {
                        // Small chunks cost the same per evaluation at any N: fewer keep
                        // the sweep short.
                        int n = Math.max(1_000, Math.min(sweepEvaluations, chunkSize * 200));
                        sweep.add(measure(endpoints, Contender.BATCHED, n, latency, chunkSize, actions));
                    }
                }
            }
        }
        // A distant relay is slow today: its runs are capped, and a loopback run of the
        // same N
        // beside them gives the ratio.
        int smtpLatencyCap = Integer.getInteger("flowbatch.bench.smtp-latency-evaluations", 5_000);
        for (double smtpLatency : smtpLatencies.stream().filter((l) -> l > 0).toList()) {
            try (Endpoints relay = new Endpoints(services, 0, smtpLatency);
                    Endpoints loopback = new Endpoints(services, 0, 0)) {
                for (int n : new LinkedHashSet<>(
                        sizes.stream().map((size) -> Math.min(size, smtpLatencyCap)).toList())) {
                    for (int actionCount : actionCounts) {
                        runs.add(measure(loopback, Contender.BATCHED, n, 0, CHUNK_SIZE, actionCount));
                        runs.add(measure(relay, Contender.BATCHED, n, 0, CHUNK_SIZE, actionCount));
                    }
                }
            }
        }
        // The delivery controls' cost: one action, loopback, all off, then all on (smart
        // sending, frequency caps deferring, a send window, customers in time zones).
        int controlsEvaluations = Integer.getInteger("flowbatch.bench.controls-evaluations", 0);
        if (controlsEvaluations > 0) {
            try (Endpoints direct = new Endpoints(services, 0, 0)) {
                for (int round = 1; round <= 2; round++) {
                    for (boolean on : List.of(false, true)) {
                        Measurement m = measureControls(direct, controlsEvaluations, on);
                        System.out.printf(Locale.ROOT,
                                "CONTROLS %s round %d: N %,d  %.2f s  %,.0f /s  cpu/1000 jvm %.3f s pg %.3f s  together %.3f s%n",
                                on ? "on " : "off", round, controlsEvaluations, m.seconds(), m.rate(),
                                m.jvmCpuPerThousand(), m.postgresCpuPerThousand(),
                                m.jvmCpuPerThousand() + m.postgresCpuPerThousand());
                    }
                }
            }
        }
        List<SmtpLimit.Rate> limits = new ArrayList<>();
        String versions;
        try (Endpoints direct = new Endpoints(services, 0, 0);
                BenchmarkApplication app = new BenchmarkApplication(direct.application(), Contender.BATCHED,
                        CHUNK_SIZE)) {
            versions = app.versions();
            SmtpLimit limit = new SmtpLimit(app.bean(SmtpSender.class), app.bean(MessageFactory.class));
            int messages = Integer.getInteger("flowbatch.bench.limit-messages", 20_000);
            SmtpLimit.Rate client = limit.client(messages, Math.min(actions, 4));
            limits.add(client);
            SmtpLimit.Rate source = limit.smtpSource(messages, 8, client.messageBytes());
            if (source != null) {
                limits.add(source);
            }
        }
        String machine = String.format(Locale.ROOT, "%d cores, %.0f GiB, Java %s, max heap %d MB, %s%s, mail to %s",
                Runtime.getRuntime().availableProcessors(), memoryGib(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() / 1048576, versions,
                services.embedded() ? " (embedded)" : " (the machine's)", BenchSink.current().describe());
        BenchmarkReport report = new BenchmarkReport(machine, runs, sweep, limits);
        report.write(Path.of("target", "bench"));
        System.out.println("\n" + report.markdown());
    }

    private Measurement measure(Endpoints endpoints, Contender contender, int n, double latency, int chunkSize,
            int actionCount) throws Exception {
        int effectiveChunk = (contender == Contender.BATCHED) ? chunkSize : 1;
        try (BenchmarkApplication app = new BenchmarkApplication(endpoints.application(), contender, chunkSize)) {
            app.seed(n, actionCount);
            System.gc();
            Measurement m = app.run(contender, n, latency, effectiveChunk);
            System.out.printf(Locale.ROOT,
                    "BENCHMARK %-12s %3.0f ms  smtp %3.0f ms  actions %2d  chunk %4d  N %,9d  %7.2f s  %,7.0f /s  "
                            + "%.3f stmts/eval  %.3f redis/eval  cpu/1000 jvm %.3f s pg %.3f s  heap %.0f MB  rss %.0f MB%n",
                    contender.label(), latency, m.smtpLatencyMs(), actionCount, effectiveChunk, n, m.seconds(),
                    m.rate(), m.statementsPerEvaluation(), m.redisCommandsPerEvaluation(), m.jvmCpuPerThousand(),
                    m.postgresCpuPerThousand(), m.peakHeapMb(), m.peakRssMb());
            return m;
        }
    }

    private Measurement measureControls(Endpoints endpoints, int n, boolean on) throws Exception {
        Map<String, String> settings = on ? Map.of("flowbatch.delivery.frequency-caps", "3/P1D,10/P7D") : Map.of();
        try (BenchmarkApplication app = new BenchmarkApplication(endpoints.application(), Contender.BATCHED, CHUNK_SIZE,
                settings)) {
            app.seed(n, 1, on);
            System.gc();
            return app.run(Contender.BATCHED, n, 0, CHUNK_SIZE);
        }
    }

    private static List<Double> doubles(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).map(Double::parseDouble).toList();
    }

    private static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).map(Integer::parseInt).toList();
    }

    private static double memoryGib() {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
            .getOperatingSystemMXBean();
        return os.getTotalMemorySize() / (1024.0 * 1024 * 1024);
    }

    /**
     * PostgreSQL and Redis, directly or each behind a {@link TcpProxy} adding the round
     * trip.
     */
    static final class Endpoints implements AutoCloseable {

        private final BenchmarkApplication.Endpoints application;

        private final List<TcpProxy> proxies = new ArrayList<>();

        Endpoints(SharedServices services, double latencyMs, double smtpLatencyMs) throws Exception {
            int smtpPort = BenchSink.current().port();
            if (smtpLatencyMs > 0) {
                TcpProxy relay = new TcpProxy("127.0.0.1", smtpPort, smtpLatencyMs);
                proxies.add(relay);
                smtpPort = relay.port();
            }
            if (latencyMs <= 0) {
                this.application = new BenchmarkApplication.Endpoints(services.jdbcUrl(), services.username(),
                        services.redisUrl(), smtpPort, smtpLatencyMs);
                return;
            }
            URI database = URI.create(services.jdbcUrl().substring("jdbc:".length()));
            URI redis = URI.create(services.redisUrl());
            TcpProxy databaseProxy = new TcpProxy(database.getHost(), database.getPort(), latencyMs);
            proxies.add(databaseProxy);
            TcpProxy redisProxy = new TcpProxy(redis.getHost(), redis.getPort(), latencyMs);
            proxies.add(redisProxy);
            String query = (database.getRawQuery() != null) ? "?" + database.getRawQuery() : "";
            this.application = new BenchmarkApplication.Endpoints(
                    "jdbc:postgresql://127.0.0.1:" + databaseProxy.port() + database.getRawPath() + query,
                    services.username(), "redis://127.0.0.1:" + redisProxy.port(), smtpPort, smtpLatencyMs);
        }

        BenchmarkApplication.Endpoints application() {
            return application;
        }

        @Override
        public void close() throws IOException {
            for (TcpProxy proxy : proxies) {
                proxy.close();
            }
        }

    }

}
