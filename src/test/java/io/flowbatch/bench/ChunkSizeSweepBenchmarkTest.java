package io.flowbatch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import io.flowbatch.execution.BenchmarkJobs;
import io.flowbatch.execution.FlowExecutionJobConfiguration;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.StatementCounter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write-up's graph: evaluations per second against chunk size, the same job with the same
 * reader, processor and writer, from one evaluation per chunk to 2,000. Writes
 * {@code target/bench/chunk-sweep.json}, {@code .md} and {@code .svg}. Benchmark only;
 * {@code -Dflowbatch.bench.sweep-evaluations} sets N per point (default 5,000).
 */
@Tag("benchmark")
@FlowbatchTest
class ChunkSizeSweepBenchmarkTest {

    static final int[] CHUNK_SIZES = { 1, 10, 50, 100, 250, 500, 1000, 2000 };

    @Autowired
    Fixtures fixtures;

    @Autowired
    JobOperator jobOperator;

    @Autowired
    BenchmarkJobs jobs;

    @Test
    void sweep() throws Exception {
        int n = Integer.getInteger("flowbatch.bench.sweep-evaluations", 5_000);
        String html = new ClassPathResource("templates/email/abandoned-checkout.html").getContentAsString(StandardCharsets.UTF_8);
        List<Point> points = new ArrayList<>();
        for (int chunkSize : CHUNK_SIZES) {
            fixtures.reset();
            fixtures.smtp().countOnly();
            long action = fixtures.flow("Sweep", Fixtures.TRIGGER, List.of("Placed Order"), ActionStatus.LIVE, html, "PT1H")
                .get(0);
            fixtures.dueCheckouts(0, n);
            StatementCounter.reset();
            long start = System.nanoTime();
            JobExecution execution = jobOperator.start(jobs.withChunkSize(chunkSize),
                    new JobParametersBuilder().addString("run", UUID.randomUUID().toString())
                        .addLong(FlowExecutionJobConfiguration.PAGE_SIZE_PARAMETER, (long) chunkSize)
                        .toJobParameters());
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
            assertThat(fixtures.count("action_id = " + action + " AND state = 'SENT'")).isEqualTo(n);
            assertThat(fixtures.smtp().countByMessageId().values()).allMatch((count) -> count == 1);
            double statements = StatementCounter.onThreads((thread) -> thread.startsWith("partition-")).size() / (double) n;
            points.add(new Point(chunkSize, n / seconds, statements));
            System.out.printf("BENCHMARK chunk size %4d: %,8.0f evaluations/s, %.3f statements per evaluation%n",
                    chunkSize, n / seconds, statements);
        }
        write(points, n);
    }

    private static void write(List<Point> points, int n) throws IOException {
        Path dir = Path.of("target", "bench");
        Files.createDirectories(dir);
        StringBuilder json = new StringBuilder("{\"measuredAt\":\"" + Instant.now() + "\",\"evaluationsPerPoint\":" + n
                + ",\"latencyMs\":0,\"points\":[");
        StringBuilder markdown = new StringBuilder("| chunk size | evaluations/s | SQL statements per evaluation |\n|---|---|---|\n");
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            json.append((i > 0) ? "," : "").append(String.format(Locale.ROOT,
                    "{\"chunkSize\":%d,\"evaluationsPerSecond\":%.1f,\"statementsPerEvaluation\":%.4f}", p.chunkSize(),
                    p.rate(), p.statements()));
            markdown.append(String.format(Locale.ROOT, "| %d | %,.0f | %.3f |%n", p.chunkSize(), p.rate(), p.statements()));
        }
        Files.writeString(dir.resolve("chunk-sweep.json"), json.append("]}\n"));
        Files.writeString(dir.resolve("chunk-sweep.md"), markdown);
        Files.writeString(dir.resolve("chunk-sweep.svg"), svg(points));
    }

    /** Evaluations/s against chunk size (log scale), one line, in plain SVG. */
    static String svg(List<Point> points) {
        int width = 640;
        int height = 360;
        int left = 70;
        int bottom = 50;
        double max = points.stream().mapToDouble(Point::rate).max().orElse(1) * 1.1;
        double logMin = Math.log10(points.get(0).chunkSize());
        double logMax = Math.log10(points.get(points.size() - 1).chunkSize());
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>"
                        + "<text x=\"%d\" y=\"20\" font-size=\"14\">Evaluations per second against chunk size</text>",
                width, height, left));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", left,
                height - bottom, width - 20, height - bottom));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"30\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", left, left,
                height - bottom));
        StringBuilder path = new StringBuilder();
        for (Point p : points) {
            double x = left + (Math.log10(p.chunkSize()) - logMin) / (logMax - logMin) * (width - 20 - left);
            double y = (height - bottom) - p.rate() / max * (height - bottom - 30);
            path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#3b5bdb\"/>", x, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>", x,
                    height - bottom + 18, p.chunkSize()));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">%,.0f</text>",
                    x, y - 8, p.rate()));
        }
        svg.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#3b5bdb\" stroke-width=\"2\"/>");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">chunk size (log scale)</text>",
                (width + left) / 2, height - 12));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">evaluations / s</text>",
                height / 2, height / 2));
        return svg.append("</svg>\n").toString();
    }

    /** One point of the sweep. */
    record Point(int chunkSize, double rate, double statements) {
    }

}
