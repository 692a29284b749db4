package io.flowbatch.execution;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.evaluation.Outcome;

/**
 * What the processor learned about the current chunk and the writer needs: when it
 * started, and the outcomes of the items the processor filtered (skipped or released),
 * recorded by the writer together with the send outcomes in one statement. One per
 * partition.
 */
public class ChunkOutcomes {

    private final List<Outcome> outcomes = new ArrayList<>();

    /** Customer id by evaluation id. */
    private final Map<Long, Long> reserved = new HashMap<>();

    private long startNanos = System.nanoTime();

    private String relay;

    private ChunkLoader.Webhook webhook;

    /**
     * The relay the chunk's action sends through, as the processor loaded it; null:
     * default.
     */
    public void relay(String relay) {
        this.relay = relay;
    }

    public String relay() {
        return relay;
    }

    /** The chunk's action is a webhook step's: its request. Null for an email action. */
    void webhook(ChunkLoader.Webhook webhook) {
        this.webhook = webhook;
    }

    ChunkLoader.Webhook webhook() {
        return webhook;
    }

    public void add(Outcome outcome) {
        outcomes.add(outcome);
    }

    /**
     * An evaluation whose customer the chunk reserved for a marketing email (smart
     * sending, frequency caps): given back unless its message went out.
     */
    public void reserved(long evaluationId, long customerId) {
        reserved.put(evaluationId, customerId);
    }

    /** Customer id by evaluation id. */
    public Map<Long, Long> drainReserved() {
        Map<Long, Long> drained = new HashMap<>(reserved);
        reserved.clear();
        return drained;
    }

    public List<Outcome> drain() {
        List<Outcome> drained = new ArrayList<>(outcomes);
        outcomes.clear();
        return drained;
    }

    /** Called as the processor loads a chunk: the chunk's clock starts. */
    public void chunkStarted() {
        this.startNanos = System.nanoTime();
    }

    public long startNanos() {
        return startNanos;
    }

}
