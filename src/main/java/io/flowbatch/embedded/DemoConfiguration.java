package io.flowbatch.embedded;

import java.time.Clock;

import io.flowbatch.flow.FlowService;
import io.flowbatch.intake.IntakeService;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * The demo: an abandoned-checkout flow, a few hundred customers and a steady trickle of
 * events.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("flowbatch.demo.enabled")
class DemoConfiguration {

    @Bean
    DemoTraffic demoTraffic(IntakeService intake, DemoProperties properties, Clock clock) {
        return new DemoTraffic(intake, properties, clock);
    }

    @Bean(destroyMethod = "shutdown")
    ThreadPoolTaskScheduler demoScheduler() {
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setThreadNamePrefix("demo-");
        scheduler.setPoolSize(1);
        scheduler.initialize();
        return scheduler;
    }

    /** Creates the flow and customers once, then starts the trickle. */
    @Bean
    ApplicationRunner demoStart(FlowService flows, IntakeService intake, DemoProperties properties, DemoTraffic traffic,
            TaskScheduler demoScheduler, JsonMapper json) {
        return (args) -> {
            new DemoSetup(flows, intake, properties, json).ensureFlowAndCustomers();
            demoScheduler.scheduleWithFixedDelay(traffic::sendSome, properties.interval());
        };
    }

}
