package io.flowbatch.delivery;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How mail goes out.
 *
 * @param guarantee {@code at-most-once} (default): a message whose send may have happened is
 *     never sent again automatically; {@code at-least-once}: such messages are resent with the
 *     same Message-ID
 * @param messageIdDomain right-hand side of every Message-ID
 * @param smtpConnections parallel SMTP connections one chunk is sent over
 * @param sendAttempts tries per message within a chunk when the server answers 4xx or the
 *     connection fails before the message went out
 * @param sendBackoff pause before the first retry within a chunk; doubles each time
 * @param maxAttempts chunks a message may take part in before a transient failure becomes FAILED
 * @param retryDelay how long a message that still failed transiently waits before its next chunk
 * @param publicUrl the address customers reach flowbatch at, for unsubscribe links
 * @param unsubscribeSecret signing key of unsubscribe links; generated once and stored in
 *     the database when empty
 */
@ConfigurationProperties("flowbatch.delivery")
public record DeliveryProperties(@DefaultValue("at-most-once") String guarantee,
        @DefaultValue("flowbatch.local") String messageIdDomain, @DefaultValue("2") int smtpConnections,
        @DefaultValue("3") int sendAttempts, @DefaultValue("PT0.2S") Duration sendBackoff,
        @DefaultValue("5") int maxAttempts, @DefaultValue("PT5M") Duration retryDelay,
        @DefaultValue("http://localhost:8080") String publicUrl, String unsubscribeSecret) {

    public DeliveryProperties {
        if (!"at-most-once".equals(guarantee) && !"at-least-once".equals(guarantee)) {
            throw new IllegalArgumentException(
                    "flowbatch.delivery.guarantee must be at-most-once or at-least-once, not " + guarantee);
        }
        if (smtpConnections < 1 || sendAttempts < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("flowbatch.delivery connection and attempt counts must be at least 1");
        }
    }

    public boolean atLeastOnce() {
        return "at-least-once".equals(guarantee);
    }

}
