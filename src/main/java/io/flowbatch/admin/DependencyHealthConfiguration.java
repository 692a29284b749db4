package io.flowbatch.admin;

import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The health indicators Spring Boot would register for the mail relay and Redis, replaced
 * (same bean names) by ones that report a relay or Redis outage as DEGRADED instead of
 * DOWN.
 */
@Configuration(proxyBeanMethods = false)
class DependencyHealthConfiguration {

    @Bean
    HealthIndicator mailHealthIndicator(DependencyHealth dependencies) {
        return () -> dependencies.health(DependencyHealth.MAIL);
    }

    @Bean
    HealthIndicator redisHealthIndicator(DependencyHealth dependencies) {
        return () -> dependencies.health(DependencyHealth.REDIS);
    }

}
