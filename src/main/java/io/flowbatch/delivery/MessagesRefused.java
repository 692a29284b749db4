package io.flowbatch.delivery;

import java.util.List;

/**
 * Published once a chunk's outcomes are committed: the messages its relay refused for
 * good while they were being sent (a 5xx to RCPT or DATA). A refusal that blames the
 * address is a hard bounce that never left: what to do about the address is
 * deliverability's to decide, which listens.
 *
 * @param actionId the chunk's action
 * @param relay the relay that refused them
 * @param refused each message refused, with the relay's reply
 */
public record MessagesRefused(long actionId, String relay, List<Refused> refused) {

    /** One message a relay refused. */
    public record Refused(long evaluationId, String recipient, String reply) {
    }

}
