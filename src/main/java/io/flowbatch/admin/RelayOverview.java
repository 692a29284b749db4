package io.flowbatch.admin;

import java.util.List;

import io.flowbatch.deliverability.Reputation;
import io.flowbatch.delivery.RelayLimiter;
import io.flowbatch.delivery.Relays;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;

/**
 * Each relay as operators see it: where it is, how fast it may go, what it used, how its
 * mail is received.
 */
@Component
class RelayOverview {

    private static final Log logger = LogFactory.getLog(RelayOverview.class);

    private final Relays relays;

    private final Reputation reputation;

    RelayOverview(Relays relays, Reputation reputation) {
        this.relays = relays;
        this.reputation = reputation;
    }

    /**
     * One relay.
     *
     * @param rate messages per second it may take now, after throttling; null: no limit
     * @param limit its configured rate; null: none
     * @param quotaUsed messages in the last hour and the last 24 hours, all instances;
     * null without quotas (or while Redis cannot be asked)
     * @param throttled throttling replies this node received since it started
     * @param connections connections this node has open to it
     * @param reputation hard-bounce and complaint rates over its latest sends, as the
     * reputation guard measures them
     */
    record RelayView(String name, String host, Double rate, Double limit, QuotaUsed quotaUsed, Long hourlyQuota,
            Long dailyQuota, long throttled, int connections, Reputation.Standing reputation) {
    }

    /** Sends counted against the quotas. */
    record QuotaUsed(long lastHour, long lastDay) {
    }

    List<RelayView> relays() {
        return relays.all().stream().map(this::view).toList();
    }

    private RelayView view(Relays.Relay relay) {
        RelayLimiter limiter = relay.limiter();
        return new RelayView(relay.name(), relay.sender().relay(), limiter.rate(), limiter.limit(), quotaUsed(relay),
                limiter.hourlyQuota(), limiter.dailyQuota(), limiter.throttledReplies(),
                relay.sender().openConnections(), reputation.ofRelay(relay.name()));
    }

    private static QuotaUsed quotaUsed(Relays.Relay relay) {
        try {
            List<Long> used = relay.limiter().quotaUsed();
            return (used != null) ? new QuotaUsed(used.get(0), used.get(1)) : null;
        }
        catch (RuntimeException ex) {
            logger.debug("Could not read the quotas of relay " + relay.name(), ex);
            return null;
        }
    }

}
