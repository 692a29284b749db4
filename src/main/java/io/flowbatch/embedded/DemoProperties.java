package io.flowbatch.embedded;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The demo of the zero-setup run.
 *
 * @param enabled create the demo flow and send demo events; on by default with embedded
 * services
 * @param customers how many demo customers to create
 * @param delay the demo flow's delay between a checkout and its email
 * @param interval how often a handful of demo events arrives
 */
@ConfigurationProperties("flowbatch.demo")
public record DemoProperties(@DefaultValue("false") boolean enabled, @DefaultValue("300") int customers,
        @DefaultValue("PT1M") Duration delay, @DefaultValue("PT5S") Duration interval) {
}
