package io.flowbatch.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import io.flowbatch.FlowbatchApplication;
import io.flowbatch.flow.ActionKind;
import io.flowbatch.flow.ActionStatus;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.flow.FlowService;
import io.flowbatch.flow.OnCap;
import io.flowbatch.flow.SendDay;
import io.flowbatch.flow.SendWindow;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * flowbatch started in the test JVM on the PostgreSQL and Redis the suite names (often
 * through a {@link TcpProxy}), sending to the shared {@link TestSmtpServer}, with every
 * SQL statement counted and no schedule: what the benchmark and the dependency-fault
 * suite run against.
 */
public final class StandaloneFlowbatch {

    public static final String TEMPLATE = "templates/email/abandoned-checkout.html";

    private StandaloneFlowbatch() {
    }

    /** Starts the application; {@code settings} add to or override the defaults here. */
    public static ConfigurableApplicationContext start(String jdbcUrl, String username, String redisUrl,
            Map<String, String> settings) {
        Properties properties = new Properties();
        properties.put("spring.main.web-application-type", "none");
        properties.put("spring.main.banner-mode", "off");
        properties.put("spring.datasource.url", jdbcUrl);
        properties.put("spring.datasource.username", username);
        properties.put("spring.data.redis.url", redisUrl);
        properties.put("spring.mail.host", "127.0.0.1");
        properties.put("spring.mail.port", Integer.toString(TestSmtpServer.shared().port()));
        properties.put("flowbatch.embedded.enabled", "false");
        properties.put("spring.quartz.auto-startup", "false");
        properties.put("spring.quartz.scheduler-name", "standalone-" + UUID.randomUUID());
        properties.put("logging.level.io.flowbatch", "WARN");
        properties.putAll(settings);
        return new SpringApplicationBuilder(FlowbatchApplication.class, StatementCounter.class).properties(properties)
            .run();
    }

    /**
     * Empties flowbatch's tables and Redis keys, then seeds a {@link Spike} of N over
     * that many new actions.
     */
    public static List<Long> seedSpike(ConfigurableApplicationContext app, int n, int actionCount) throws Exception {
        return seedSpike(app, n, actionCount, false);
    }

    /**
     * Zones whose clocks read UTC in winter, for customers of a spike with every delivery
     * control on: a send window around the current UTC time is open for all of them.
     */
    static final List<String> WINTER_UTC_ZONES = List.of("UTC", "Europe/London", "Europe/Lisbon", "Africa/Abidjan",
            "Atlantic/Reykjavik", "Africa/Dakar");

    /**
     * The spike; with {@code controls}, every action has smart sending, defers at the
     * frequency caps and has a send window open now, and the customers have time zones.
     */
    public static List<Long> seedSpike(ConfigurableApplicationContext app, int n, int actionCount, boolean controls)
            throws Exception {
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        jdbc.sql(Spike.TRUNCATE).update();
        StringRedisTemplate redis = app.getBean(StringRedisTemplate.class);
        Set<String> keys = redis.keys("flowbatch:*");
        if (keys != null && !keys.isEmpty()) {
            redis.delete(keys);
        }
        String html = new ClassPathResource(TEMPLATE).getContentAsString(StandardCharsets.UTF_8);
        List<Long> actions = new ArrayList<>();
        for (int i = 0; i < actionCount; i++) {
            actions.add(app.getBean(FlowService.class)
                .create(new FlowRequest("Spike " + i, new FlowRequest.Trigger("Started Checkout " + i),
                        List.of("Placed Order"), null,
                        List.of(new FlowRequest.ActionRequest(Duration.ofHours(1), ActionStatus.LIVE,
                                new FlowRequest.Email("Shop <shop@example.com>", "Hi [[${customer.firstName}]]", html,
                                        "Your cart is waiting"),
                                ActionKind.MARKETING, controls, controls ? OnCap.DEFER : null,
                                controls ? openNow() : null, null))))
                .actions()
                .get(0)
                .id());
        }
        Spike.seed(jdbc, n, actions);
        if (controls) {
            jdbc.sql("UPDATE customer SET timezone = (:zones::text[])[1 + id % cardinality(:zones::text[])]")
                .param("zones", WINTER_UTC_ZONES.toArray(String[]::new))
                .update();
        }
        return actions;
    }

    /** Every day, from three hours before now to three hours after, in UTC. */
    private static SendWindow openNow() {
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        return new SendWindow(Arrays.asList(SendDay.values()), now.minusHours(3), now.plusHours(3));
    }

}
