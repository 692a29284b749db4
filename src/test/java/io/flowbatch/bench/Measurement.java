package io.flowbatch.bench;

/**
 * One contender's run to completion over N due evaluations, every one verified SENT and
 * received exactly once.
 *
 * @param contender what ran
 * @param latencyMs round trip added to PostgreSQL and Redis
 * @param chunkSize evaluations per chunk (1 for the per-item contenders)
 * @param evaluations N
 * @param seconds from the launch until the last evaluation was SENT
 * @param statementsPerEvaluation SQL statements sent by every thread of the run, per
 * evaluation
 * @param redisCommandsPerEvaluation commands Redis processed during the run, per
 * evaluation
 * @param peakHeapMb the largest heap in use sampled during the run (the in-process SMTP
 * sink included)
 * @param peakRssMb the largest resident set of the benchmark process sampled during the
 * run
 * @param jvmCpuSeconds CPU time of the benchmark JVM (flowbatch, and the in-process SMTP
 * sink when that is the sink) during the run
 * @param postgresCpuSeconds CPU time of all PostgreSQL processes during the run
 */
record Measurement(Contender contender, double latencyMs, double smtpLatencyMs, int actions, int chunkSize,
        int evaluations, double seconds, double statementsPerEvaluation, double redisCommandsPerEvaluation,
        double peakHeapMb, double peakRssMb, double jvmCpuSeconds, double postgresCpuSeconds) {

    double rate() {
        return evaluations / seconds;
    }

    double jvmCpuPerThousand() {
        return jvmCpuSeconds * 1000 / evaluations;
    }

    double postgresCpuPerThousand() {
        return postgresCpuSeconds * 1000 / evaluations;
    }

}
