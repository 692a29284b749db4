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
 */
record Measurement(Contender contender, double latencyMs, double smtpLatencyMs, int actions, int chunkSize,
        int evaluations, double seconds, double statementsPerEvaluation, double redisCommandsPerEvaluation,
        double peakHeapMb, double peakRssMb) {

    double rate() {
        return evaluations / seconds;
    }

}
