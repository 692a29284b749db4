package io.flowbatch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples the heap in use and the process's resident set every few milliseconds while a
 * run goes on, and keeps the largest of each. The kernel's own high-water mark (VmHWM)
 * cannot be reset per run from Java, hence the sampling. Also the CPU time the JVM and
 * every PostgreSQL process (by their {@code /proc} entries) used during the run.
 */
final class ResourceSampler implements AutoCloseable {

    private static final Path STATUS = Path.of("/proc/self/status");

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    private final Thread thread;

    private volatile boolean running = true;

    private volatile long peakHeap;

    private volatile long peakRss;

    private final long jvmCpuAtStart = jvmCpuNanos();

    private final long postgresTicksAtStart = postgresTicks();

    private long jvmCpuNanos;

    private long postgresTicks;

    ResourceSampler() {
        this.thread = new Thread(this::sample, "bench-sampler");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void sample() {
        while (running) {
            peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
            peakRss = Math.max(peakRss, rss());
            try {
                Thread.sleep(10);
            }
            catch (InterruptedException ex) {
                return;
            }
        }
    }

    /** The resident set in bytes, or 0 where /proc is not there. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        }
        catch (IOException | NumberFormatException ex) {
            // not Linux: no RSS figure
        }
        return 0;
    }

    double peakHeapMb() {
        return peakHeap / 1048576.0;
    }

    double peakRssMb() {
        return peakRss / 1048576.0;
    }

    /** CPU seconds the benchmark JVM used during the run. */
    double jvmCpuSeconds() {
        return jvmCpuNanos / 1e9;
    }

    /**
     * CPU seconds all PostgreSQL processes used during the run, 0 where /proc is not
     * there.
     */
    double postgresCpuSeconds() {
        return postgresTicks / (double) CLOCK_TICKS;
    }

    /** Linux's USER_HZ, which /proc/[pid]/stat counts in on every common platform. */
    private static final int CLOCK_TICKS = 100;

    private static long jvmCpuNanos() {
        return (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
                ? os.getProcessCpuTime() : 0;
    }

    /** User and system ticks of every process whose command is postgres. */
    private static long postgresTicks() {
        long ticks = 0;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                try {
                    String stat = Files.readString(process.resolve("stat"));
                    int end = stat.lastIndexOf(')');
                    if (!stat.substring(stat.indexOf('(') + 1, end).equals("postgres")) {
                        continue;
                    }
                    // After the command: state, then fields 4.., utime and stime are 14
                    // and 15.
                    String[] fields = stat.substring(end + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                }
                catch (IOException | RuntimeException ex) {
                    // The process ended meanwhile.
                }
            }
        }
        catch (IOException ex) {
            return 0;
        }
        return ticks;
    }

    @Override
    public void close() {
        jvmCpuNanos = jvmCpuNanos() - jvmCpuAtStart;
        postgresTicks = postgresTicks() - postgresTicksAtStart;
        running = false;
        try {
            thread.join();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

}
