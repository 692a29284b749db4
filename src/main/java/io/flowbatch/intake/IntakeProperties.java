package io.flowbatch.intake;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Intake limits.
 *
 * @param maxBatchSize most customers or events one request may carry
 * @param maxTriggerAge events older than this are stored but start no flow: an import of
 * history must not email customers about checkouts of last month
 * @param maxPropertiesBytes largest {@code properties} object of one item, as JSON
 */
@ConfigurationProperties("flowbatch.intake")
public record IntakeProperties(@DefaultValue("10000") int maxBatchSize, @DefaultValue("P1D") Duration maxTriggerAge,
        @DefaultValue("65536") int maxPropertiesBytes) {
}
