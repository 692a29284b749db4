package io.flowbatch.deliverability;

import io.flowbatch.delivery.MessagesRefused;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Messages a relay refused for good while a chunk was sending them, judged as bounces
 * once the chunk's outcomes are committed: never part of the chunk, so that nothing here
 * can fail it, and a chunk without refusals costs nothing. It runs on the partition's
 * thread before its next chunk, a short transaction a refusal: refusals are few.
 */
@Component
class RefusalListener {

    private static final Log logger = LogFactory.getLog(RefusalListener.class);

    private final Bounces bounces;

    RefusalListener(Bounces bounces) {
        this.bounces = bounces;
    }

    @TransactionalEventListener(fallbackExecution = true)
    void refused(MessagesRefused refused) {
        for (MessagesRefused.Refused refusal : refused.refused()) {
            try {
                // Each in a transaction of its own: a bad one fails alone.
                bounces.refused(refused.actionId(), refusal);
            }
            catch (RuntimeException ex) {
                logger.warn("Could not judge the refusal of evaluation " + refusal.evaluationId() + " ("
                        + refusal.reply() + "): " + ex.getMessage());
            }
        }
    }

}
