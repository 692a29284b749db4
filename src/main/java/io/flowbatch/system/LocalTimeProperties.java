package io.flowbatch.system;

import java.time.ZoneId;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The customer's clock, for send windows and delays that end at a local time. Bound from
 * {@code flowbatch.delivery} beside {@code DeliveryProperties}, here in the shared kernel
 * because intake and the evaluation store compute due times with it too.
 *
 * @param defaultTimeZone the zone of a customer who has none (or one this database does
 * not know)
 */
@ConfigurationProperties("flowbatch.delivery")
public record LocalTimeProperties(@DefaultValue("UTC") ZoneId defaultTimeZone) {

    public LocalTimeProperties {
        if (!TimeZoneId.Validator.isRegion(defaultTimeZone.getId())) {
            throw new IllegalArgumentException("flowbatch.delivery.default-time-zone must be a time zone such as "
                    + "Europe/Paris or UTC, not an offset: " + defaultTimeZone.getId());
        }
    }

    /** The zone's name as the SQL functions take it. */
    public String defaultZoneName() {
        return defaultTimeZone.getId();
    }

}
