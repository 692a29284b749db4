package io.flowbatch.deliverability;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * A signed request's timestamp, refused when further from now than its setting allows: a
 * captured request cannot be replayed later, and a skewed clock shows.
 */
final class SignedTimestamps {

    private SignedTimestamps() {
    }

    /** Seconds since the epoch, as SendGrid and Mailgun sign them. */
    static void checkEpochSeconds(String epochSeconds, Duration maxAge, String setting, Clock clock) {
        Instant signed;
        try {
            signed = Instant.ofEpochSecond(Long.parseLong(epochSeconds.strip()));
        }
        catch (NumberFormatException | DateTimeException ex) {
            throw WebhookRejected.unauthorized("the timestamp is not a number of seconds: " + epochSeconds);
        }
        check(signed, maxAge, setting, clock);
    }

    /** An ISO-8601 instant, as SNS signs it. */
    static void checkInstant(String instant, Duration maxAge, String setting, Clock clock) {
        Instant signed;
        try {
            signed = Instant.parse(String.valueOf(instant));
        }
        catch (DateTimeParseException ex) {
            throw WebhookRejected.unauthorized("the timestamp is not a time: " + instant);
        }
        check(signed, maxAge, setting, clock);
    }

    private static void check(Instant signed, Duration maxAge, String setting, Clock clock) {
        Duration age = Duration.between(signed, clock.instant()).abs();
        if (age.compareTo(maxAge) > 0) {
            throw WebhookRejected.unauthorized("the timestamp is " + age.toSeconds() + " s from now, more than "
                    + maxAge.toSeconds() + " s (" + setting + "): a replay or a skewed clock");
        }
    }

}
