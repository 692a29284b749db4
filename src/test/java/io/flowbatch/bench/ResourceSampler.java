package io.flowbatch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples the heap in use and the process's resident set every few milliseconds while a
 * run goes on, and keeps the largest of each. The kernel's own high-water mark (VmHWM)
 * cannot be reset per run from Java, hence the sampling.
 */
final class ResourceSampler implements AutoCloseable {

    private static final Path STATUS = Path.of("/proc/self/status");

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    private final Thread thread;

    private volatile boolean running = true;

    private volatile long peakHeap;

    private volatile long peakRss;

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

    @Override
    public void close() {
        running = false;
        try {
            thread.join();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

}
