package io.flowbatch.deliverability;

import java.time.Duration;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What bounces and complaints do beyond the message they are about.
 *
 * @param maxComplaintRate the reputation guard pauses an action whose complaints, over
 * its latest {@code guardWindow} sends (or its relay's), exceed this share; Gmail and
 * Yahoo ask bulk senders to stay under 0.3 %
 * @param maxHardBounceRate the same for hard bounces
 * @param guardWindow how many of the latest sends the rates are taken over
 * @param guardMinSends the guard judges no window that holds fewer sends: one complaint
 * among the first ten messages says little
 * @param softBounceThreshold this many soft bounces of an address within
 * {@code softBounceWindow} suppress it for {@code softBounceSuppression}
 * @param softBounceWindow see above
 * @param softBounceSuppression see above
 */
@Validated
@ConfigurationProperties("flowbatch.deliverability")
public record DeliverabilityProperties(
        @DefaultValue("0.003") @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") double maxComplaintRate,
        @DefaultValue("0.05") @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") double maxHardBounceRate,
        @DefaultValue("1000") @Min(1) int guardWindow, @DefaultValue("100") @Min(1) int guardMinSends,
        @DefaultValue("3") @Min(1) int softBounceThreshold,
        @DefaultValue("P7D") @DurationMin(seconds = 1) Duration softBounceWindow,
        @DefaultValue("P7D") @DurationMin(seconds = 1) Duration softBounceSuppression) {

    public DeliverabilityProperties {
        if (guardMinSends > guardWindow) {
            throw new IllegalArgumentException("flowbatch.deliverability.guard-min-sends (" + guardMinSends
                    + ") must not exceed flowbatch.deliverability.guard-window (" + guardWindow + ")");
        }
    }

}
