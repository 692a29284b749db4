package io.flowbatch.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import jakarta.validation.constraints.Min;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How mail goes out.
 *
 * @param guarantee {@code at-most-once} (default): a message whose send may have happened
 * is never sent again automatically; {@code at-least-once}: such messages are resent with
 * the same Message-ID
 * @param messageIdDomain right-hand side of every Message-ID
 * @param smtpConnections parallel SMTP connections one chunk is sent over
 * @param smtpMaxConnections SMTP connections this node keeps open to the relay at most,
 * for all its partitions together; a chunk waits for one while all are busy
 * @param smtpIdleTimeout how long an unused connection stays open for the next chunk
 * @param inFlightWindow messages a connection is handed at a time: each window is marked
 * SENDING just before it goes and recorded with the next, so a crash leaves at most this
 * many per connection in doubt
 * @param sendAttempts tries per message within a chunk when the server answers 4xx or the
 * connection fails before the message went out
 * @param sendBackoff pause before the first retry within a chunk; doubles each time
 * @param maxAttempts chunks a message may take part in before a transient failure becomes
 * FAILED
 * @param retryDelay how long a message that still failed transiently waits before its
 * next chunk
 * @param publicUrl the address customers reach flowbatch at, for unsubscribe links
 * @param unsubscribeSecret signing key of unsubscribe links; generated once and stored in
 * the database when empty
 * @param smartSendingWindow a marketing action with smart sending skips a customer who
 * was sent a marketing email this recently
 * @param frequencyCaps at most so many marketing emails per customer per rolling window,
 * across all flows ({@code 3/P1D,10/P7D}); none when empty
 */
@Validated
@ConfigurationProperties("flowbatch.delivery")
public record DeliveryProperties(@DefaultValue("at-most-once") Guarantee guarantee,
        @DefaultValue("flowbatch.local") String messageIdDomain, @DefaultValue("16") @Min(1) int smtpConnections,
        @DefaultValue("64") @Min(1) int smtpMaxConnections,
        @DefaultValue("PT30S") @DurationMin(millis = 1) Duration smtpIdleTimeout,
        @DefaultValue("16") @Min(1) int inFlightWindow, @DefaultValue("3") @Min(1) int sendAttempts,
        @DefaultValue("PT0.2S") Duration sendBackoff, @DefaultValue("5") @Min(1) int maxAttempts,
        @DefaultValue("PT5M") Duration retryDelay, @DefaultValue("http://localhost:8080") String publicUrl,
        String unsubscribeSecret, @DefaultValue("PT16H") @DurationMin(seconds = 0) Duration smartSendingWindow,
        List<FrequencyCap> frequencyCaps) {

    public DeliveryProperties {
        frequencyCaps = (frequencyCaps != null) ? List.copyOf(frequencyCaps) : List.of();
    }

    /** What happens to a message whose send may or may not have happened. */
    public enum Guarantee {

        /** Never sent again automatically: IN_DOUBT, for an operator. */
        AT_MOST_ONCE,
        /** Sent again, with the same Message-ID. */
        AT_LEAST_ONCE;

        /**
         * As the setting spells it ({@code at-most-once}): what nodes publish and logs
         * say.
         */
        public String value() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

    }

    /** The same settings under another guarantee. */
    public DeliveryProperties withGuarantee(Guarantee other) {
        return new DeliveryProperties(other, messageIdDomain, smtpConnections, smtpMaxConnections, smtpIdleTimeout,
                inFlightWindow, sendAttempts, sendBackoff, maxAttempts, retryDelay, publicUrl, unsubscribeSecret,
                smartSendingWindow, frequencyCaps);
    }

    public boolean atLeastOnce() {
        return guarantee == Guarantee.AT_LEAST_ONCE;
    }

}
