package io.flowbatch.delivery;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the sender tells its caller while a chunk is on its way, so that at any moment
 * only the messages on the wire can be in doubt: before each small window of messages
 * goes to a connection, the caller reserves them (marks them as possibly sent, durably);
 * with the same call it learns the results of the window before, and records them.
 */
@FunctionalInterface
public interface SendLedger {

    /** Reserves everything and records nothing: for callers that keep no state. */
    SendLedger NONE = (settled, next) -> new HashSet<>(next);

    /**
     * Called by a connection's thread before it hands over the next window; calls from
     * the connections of one chunk may come at the same time.
     * @param settled results learnt since this connection's previous call, by the
     * message's index in the chunk
     * @param next indexes of the messages about to be handed over
     * @return those of {@code next} that may go; the others are
     * {@link SendResult.Kind#WITHHELD}
     */
    Set<Integer> advance(Map<Integer, SendResult> settled, List<Integer> next);

}
