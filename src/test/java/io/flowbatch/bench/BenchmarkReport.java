package io.flowbatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Everything one benchmark run measured, written to {@code target/bench/} as
 * {@code performance.json}, {@code performance.md} and the chunk-size chart
 * {@code chunk-sweep.svg}: the contenders side by side, the limit of the machine, the
 * sweep, and each of the issue's targets with the figure that meets or misses it.
 */
final class BenchmarkReport {

    private final String machine;

    private final List<Measurement> runs;

    private final List<Measurement> sweep;

    private final List<SmtpLimit.Rate> limits;

    BenchmarkReport(String machine, List<Measurement> runs, List<Measurement> sweep, List<SmtpLimit.Rate> limits) {
        this.machine = machine;
        this.runs = runs;
        this.sweep = sweep;
        this.limits = limits;
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("performance.json"), json());
        Files.writeString(dir.resolve("performance.md"), markdown());
        Files.writeString(dir.resolve("chunk-sweep.svg"), svg());
    }

    /**
     * The batched run at the largest N for a latency, which the targets are read from.
     */
    Optional<Measurement> batched(double latency) {
        return runs.stream()
            .filter((m) -> m.contender() == Contender.BATCHED && m.latencyMs() == latency && m.smtpLatencyMs() == 0)
            .max(Comparator.comparingInt(Measurement::evaluations));
    }

    Optional<Measurement> largest(Contender contender, double latency) {
        return runs.stream()
            .filter((m) -> m.contender() == contender && m.latencyMs() == latency && m.smtpLatencyMs() == 0)
            .max(Comparator.comparingInt(Measurement::evaluations));
    }

    List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        double slow = runs.stream().mapToDouble(Measurement::latencyMs).max().orElse(0);
        for (Contender baseline : List.of(Contender.PER_ITEM, Contender.DB_SCHEDULER)) {
            Optional<Measurement> fast = batched(slow);
            Optional<Measurement> other = largest(baseline, slow);
            targets.add((fast.isPresent() && other.isPresent())
                    ? new Target(String.format(Locale.ROOT, "batched ≥ 10× %s at %.0f ms", baseline.label(), slow),
                            String.format(Locale.ROOT, "%,.0f vs %,.0f /s = %.1f×", fast.get().rate(),
                                    other.get().rate(), fast.get().rate() / other.get().rate()),
                            fast.get().rate() >= 10 * other.get().rate())
                    : Target.notRun("batched ≥ 10× " + baseline.label()));
        }
        Optional<Measurement> fast = batched(0);
        targets.add(fast
            .map((m) -> new Target("batched ≥ 3,000 evaluations/s at 0 ms",
                    String.format(Locale.ROOT, "%,.0f /s at N = %,d", m.rate(), m.evaluations()), m.rate() >= 3000))
            .orElse(Target.notRun("batched ≥ 3,000 evaluations/s at 0 ms")));
        Optional<SmtpLimit.Rate> client = limits.stream().filter((r) -> r.client().startsWith("flowbatch")).findFirst();
        targets.add((fast.isPresent() && client.isPresent())
                ? new Target("batched ≥ 75 % of the raw SMTP rate of the same client",
                        String.format(Locale.ROOT, "%,.0f of %,.0f /s = %.0f %%", fast.get().rate(),
                                client.get().perSecond(), 100 * fast.get().rate() / client.get().perSecond()),
                        fast.get().rate() >= 0.75 * client.get().perSecond())
                : Target.notRun("batched ≥ 75 % of the raw SMTP rate"));
        targets.add(fast.filter((m) -> m.chunkSize() == 500)
            .map((m) -> new Target("≤ 0.02 SQL statements per evaluation at chunk size 500",
                    String.format(Locale.ROOT, "%.4f (every thread, N = %,d)", m.statementsPerEvaluation(),
                            m.evaluations()),
                    m.statementsPerEvaluation() <= 0.02))
            .orElse(Target.notRun("≤ 0.02 SQL statements per evaluation at chunk size 500")));
        Optional<Measurement> million = runs.stream()
            .filter((m) -> m.contender() == Contender.BATCHED && m.evaluations() >= 1_000_000)
            .findFirst();
        double maxHeap = Runtime.getRuntime().maxMemory() / 1048576.0;
        targets.add(million
            .map((m) -> new Target("N = 1,000,000 with heap under 512 MB",
                    String.format(Locale.ROOT, "peak heap %.0f MB (max heap %.0f MB), %,.0f /s", m.peakHeapMb(),
                            maxHeap, m.rate()),
                    m.peakHeapMb() < 512))
            .orElse(Target.notRun("N = 1,000,000 with heap under 512 MB (-Dflowbatch.bench.sizes=...,1000000)")));
        Optional<Measurement> spike = runs.stream()
            .filter((m) -> m.contender() == Contender.BATCHED && m.latencyMs() == 0 && m.smtpLatencyMs() == 0
                    && m.evaluations() == 100_000)
            .findFirst();
        targets.add(spike
            .map((m) -> new Target("the 100,000 spike drained in under 60 s",
                    String.format(Locale.ROOT, "%.1f s", m.seconds()), m.seconds() < 60))
            .orElse(Target.notRun("the 100,000 spike drained in under 60 s")));
        return targets;
    }

    String markdown() {
        StringBuilder md = new StringBuilder("Measured " + Instant.now() + " on " + machine + ".\n\n");
        md.append("| contender | round trip added | SMTP round trip added | actions | N | seconds | evaluations/s "
                + "| SQL statements / evaluation | Redis commands / evaluation | CPU s / 1,000: JVM + PostgreSQL "
                + "| peak heap | peak RSS |\n" + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Measurement m : runs) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %.0f ms | %.0f ms | %d | %,d | %.1f | **%,.0f** | %.3f | %.3f | %.3f + %.3f | %.0f MB | %.0f MB |%n",
                    m.contender().label(), m.latencyMs(), m.smtpLatencyMs(), m.actions(), m.evaluations(), m.seconds(),
                    m.rate(), m.statementsPerEvaluation(), m.redisCommandsPerEvaluation(), m.jvmCpuPerThousand(),
                    m.postgresCpuPerThousand(), m.peakHeapMb(), m.peakRssMb()));
        }
        md.append("\n| the limit: raw SMTP into the same sink | messages | message size | seconds | messages/s |\n"
                + "|---|---|---|---|---|\n");
        for (SmtpLimit.Rate r : limits) {
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d bytes | %.1f | **%,.0f** |%n", r.client(),
                    r.messages(), r.messageBytes(), r.seconds(), r.perSecond()));
        }
        TreeSet<Double> latencies = sweep.stream()
            .map(Measurement::latencyMs)
            .collect(Collectors.toCollection(TreeSet::new));
        md.append("\n| chunk size |");
        latencies.forEach((l) -> md
            .append(String.format(Locale.ROOT, " evaluations/s at %.0f ms | statements / evaluation |", l)));
        md.append("\n|---|").append("---|---|".repeat(latencies.size())).append('\n');
        for (int size : sweep.stream().map(Measurement::chunkSize).collect(Collectors.toCollection(TreeSet::new))) {
            md.append("| ").append(size).append(" |");
            for (double latency : latencies) {
                Optional<Measurement> point = sweep.stream()
                    .filter((m) -> m.chunkSize() == size && m.latencyMs() == latency)
                    .findFirst();
                md.append(point
                    .map((m) -> String.format(Locale.ROOT, " %,.0f | %.3f |", m.rate(), m.statementsPerEvaluation()))
                    .orElse(" | |"));
            }
            md.append('\n');
        }
        md.append('\n').append(textChart());
        md.append("\n| target | measured | met |\n|---|---|---|\n");
        for (Target t : targets()) {
            md.append("| ")
                .append(t.target())
                .append(" | ")
                .append(t.measured())
                .append(" | ")
                .append((t.met() == null) ? "not run" : (t.met() ? "yes" : "**no**"))
                .append(" |\n");
        }
        return md.toString();
    }

    /**
     * The sweep as bars in a code block, for places an image cannot go (the README, a
     * terminal).
     */
    String textChart() {
        if (sweep.isEmpty()) {
            return "";
        }
        double max = sweep.stream().mapToDouble(Measurement::rate).max().orElse(1);
        StringBuilder chart = new StringBuilder("```\nevaluations/s by chunk size\n");
        for (Measurement m : sweep.stream()
            .sorted(Comparator.comparingInt(Measurement::chunkSize).thenComparingDouble(Measurement::latencyMs))
            .toList()) {
            chart.append(String.format(Locale.ROOT, "%5d %3.0f ms %-50s %,6.0f%n", m.chunkSize(), m.latencyMs(),
                    "#".repeat((int) Math.round(50 * m.rate() / max)), m.rate()));
        }
        return chart.append("```\n").toString();
    }

    String json() {
        Function<Measurement, String> run = (m) -> String.format(Locale.ROOT,
                "{\"contender\":\"%s\",\"latencyMs\":%.1f,\"smtpLatencyMs\":%.1f,\"actions\":%d,\"chunkSize\":%d,\"evaluations\":%d,\"seconds\":%.3f,"
                        + "\"evaluationsPerSecond\":%.1f,\"statementsPerEvaluation\":%.4f,\"redisCommandsPerEvaluation\":%.4f,"
                        + "\"peakHeapMb\":%.1f,\"peakRssMb\":%.1f,\"jvmCpuSeconds\":%.3f,\"postgresCpuSeconds\":%.3f}",
                m.contender().label(), m.latencyMs(), m.smtpLatencyMs(), m.actions(), m.chunkSize(), m.evaluations(),
                m.seconds(), m.rate(), m.statementsPerEvaluation(), m.redisCommandsPerEvaluation(), m.peakHeapMb(),
                m.peakRssMb(), m.jvmCpuSeconds(), m.postgresCpuSeconds());
        String limit = limits.stream()
            .map((r) -> String.format(Locale.ROOT,
                    "{\"client\":\"%s\",\"messages\":%d,\"messageBytes\":%d,\"seconds\":%.3f,\"messagesPerSecond\":%.1f}",
                    r.client(), r.messages(), r.messageBytes(), r.seconds(), r.perSecond()))
            .collect(Collectors.joining(","));
        String targets = targets().stream()
            .map((t) -> String.format(Locale.ROOT, "{\"target\":\"%s\",\"measured\":\"%s\",\"met\":%s}", t.target(),
                    t.measured(), t.met()))
            .collect(Collectors.joining(","));
        return "{\"measuredAt\":\"" + Instant.now() + "\",\"machine\":\"" + machine + "\",\"runs\":["
                + runs.stream().map(run).collect(Collectors.joining(",")) + "],\"chunkSweep\":["
                + sweep.stream().map(run).collect(Collectors.joining(",")) + "],\"limit\":[" + limit + "],\"targets\":["
                + targets + "]}\n";
    }

    /**
     * Evaluations/s against chunk size (log scale), one line per latency, in plain SVG.
     */
    String svg() {
        int width = 680;
        int height = 380;
        int left = 70;
        int bottom = 50;
        String[] colours = { "#3b5bdb", "#e8590c", "#2b8a3e", "#862e9c" };
        double max = sweep.stream().mapToDouble(Measurement::rate).max().orElse(1) * 1.1;
        double logMin = Math.log10(sweep.stream().mapToInt(Measurement::chunkSize).min().orElse(1));
        double logMax = Math.log10(sweep.stream().mapToInt(Measurement::chunkSize).max().orElse(10));
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>"
                        + "<text x=\"%d\" y=\"20\" font-size=\"14\">Evaluations per second against chunk size</text>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                        + "<line x1=\"%d\" y1=\"30\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
                width, height, left, left, height - bottom, width - 20, height - bottom, left, left, height - bottom));
        int series = 0;
        for (double latency : sweep.stream()
            .map(Measurement::latencyMs)
            .collect(Collectors.toCollection(TreeSet::new))) {
            String colour = colours[series % colours.length];
            StringBuilder path = new StringBuilder();
            for (Measurement p : sweep.stream().filter((m) -> m.latencyMs() == latency).toList()) {
                double x = left + (Math.log10(p.chunkSize()) - logMin) / (logMax - logMin) * (width - 20 - left);
                double y = (height - bottom) - p.rate() / max * (height - bottom - 30);
                path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y,
                        colour));
                svg.append(String.format(Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%,.0f</text>", x, y - 8, colour,
                        p.rate()));
                if (series == 0) {
                    svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>",
                            x, height - bottom + 18, p.chunkSize()));
                }
            }
            svg.append("<path d=\"")
                .append(path)
                .append("\" fill=\"none\" stroke=\"")
                .append(colour)
                .append("\" stroke-width=\"2\"/>");
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%.0f ms round trip added</text>",
                    left + 20, 44 + series * 16, colour, left + 38, 49 + series * 16, latency));
            series++;
        }
        svg.append(String.format(Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">chunk size (log scale)</text>", (width + left) / 2,
                height - 12));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">evaluations / s</text>",
                height / 2, height / 2));
        return svg.append("</svg>\n").toString();
    }

    /**
     * One of the issue's targets.
     *
     * @param target what it asks
     * @param measured the figure
     * @param met whether the figure meets it; null when the run that measures it was not
     * made
     */
    record Target(String target, String measured, Boolean met) {

        static Target notRun(String target) {
            return new Target(target, "not run", null);
        }

    }

}
