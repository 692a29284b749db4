package io.flowbatch.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.flowbatch.FlowbatchApplication;
import io.flowbatch.delivery.ReturnPath;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The application as users start it, outside the test profile: with nothing configured
 * (zero-setup), and with the standard Spring properties naming real services
 * (production).
 */
class StartupModesTest {

    @Test
    void withNothingConfiguredItStartsEmbeddedServicesAndTheDemo() throws Exception {
        Properties settings = new Properties();
        settings.put("server.port", "0");
        settings.put("flowbatch.embedded.data-directory", "target/embedded-services");
        settings.put("flowbatch.demo.interval", "PT0.2S");
        settings.put("flowbatch.embedded.bounce-delay", "PT0.1S");
        settings.put("spring.quartz.auto-startup", "false");
        settings.put("spring.quartz.scheduler-name", "startup-" + java.util.UUID.randomUUID());
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(FlowbatchApplication.class)
            .properties(settings)
            .run()) {
            assertThat(app.getEnvironment()
                .getPropertySources()
                .contains(EmbeddedServicesEnvironmentPostProcessor.PROPERTY_SOURCE_NAME)).isTrue();
            assertThat(app.getEnvironment().getProperty("spring.datasource.url"))
                .isEqualTo(EmbeddedServices.runningPostgres().orElseThrow().jdbcUrl());
            assertThat(app.getEnvironment().getProperty("spring.data.redis.port", Integer.class))
                .isEqualTo(EmbeddedServices.runningRedis().orElseThrow().port());
            assertThat(app.getBean(DemoTraffic.class)).isNotNull();

            StringRedisTemplate redis = app.getBean(StringRedisTemplate.class);
            redis.opsForValue().set("flowbatch:startup-test", "ok");
            assertThat(redis.opsForValue().getAndDelete("flowbatch:startup-test")).isEqualTo("ok");

            EmbeddedSmtpServer smtp = EmbeddedServices.runningSmtp().orElseThrow();
            int received = smtp.receivedMessages().size();
            send(app.getBean(JavaMailSender.class), "zero-setup");
            assertThat(smtp.receivedMessages()).hasSize(received + 1);

            // Like the Internet, the sink refuses an address that does not exist, and
            // bounces another later, to the message's return path, through the listener.
            String returnPath = app.getBean(ReturnPath.class).address(424242);
            assertThat(returnPath).endsWith("@" + EmbeddedServicesEnvironmentPostProcessor.DEMO_RETURN_PATH_DOMAIN);
            assertThatThrownBy(() -> sendFrom(smtp, returnPath, DemoTraffic.email(12))).isInstanceOfSatisfying(
                    MessagingException.class,
                    (refused) -> assertThat(refused.getNextException()).hasMessageContaining("550 5.1.1"));
            sendFrom(smtp, returnPath, DemoTraffic.email(56));
            JdbcClient events = app.getBean(JdbcClient.class);
            await().atMost(Duration.ofSeconds(30))
                .until(() -> events.sql("SELECT count(*) FROM delivery_event WHERE source = 'smtp' AND rejected = :why")
                    .param("why", "no message was sent for evaluation 424242")
                    .query(Long.class)
                    .single() == 1);

            JdbcClient jdbc = app.getBean(JdbcClient.class);
            assertThat(jdbc.sql("SELECT count(*) FROM flow WHERE name = 'Abandoned checkout' AND status = 'LIVE'")
                .query(Long.class)
                .single()).isEqualTo(1);
            assertThat(jdbc.sql("SELECT count(*) FROM customer WHERE email LIKE 'shopper%@example.com'")
                .query(Long.class)
                .single()).isGreaterThanOrEqualTo(300);
            await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("""
                    SELECT count(*) FROM evaluation e JOIN action a ON a.id = e.action_id
                    JOIN flow f ON f.id = a.flow_id WHERE f.name = 'Abandoned checkout'
                    """).query(Long.class).single() >= 3);
        }
    }

    @Test
    void withServicesConfiguredNothingEmbeddedStarts() {
        String jdbcUrl = System.getenv("FLOWBATCH_TEST_DATASOURCE_URL");
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            // Stands in for a production database: a real PostgreSQL, named by URL.
            jdbcUrl = EmbeddedServices.postgres(Path.of("target/embedded-services"), false).jdbcUrl();
        }
        String redisUrl = System.getenv("FLOWBATCH_TEST_REDIS_URL");
        if (redisUrl == null || redisUrl.isBlank()) {
            EmbeddedRedisServer redis = EmbeddedServices.redis(Path.of("target/embedded-services"));
            redisUrl = "redis://" + redis.host() + ":" + redis.port();
        }
        GreenMail mailServer = new GreenMail(new ServerSetup(ProcessFiles.freePort(), "127.0.0.1", "smtp"));
        mailServer.start();
        Properties settings = new Properties();
        settings.put("server.port", "0");
        settings.put("spring.datasource.url", jdbcUrl);
        settings.put("spring.datasource.username", envOr("FLOWBATCH_TEST_DATASOURCE_USERNAME", "postgres"));
        settings.put("spring.data.redis.url", redisUrl);
        settings.put("spring.mail.host", "127.0.0.1");
        settings.put("spring.mail.port", Integer.toString(mailServer.getSmtp().getPort()));
        settings.put("spring.quartz.auto-startup", "false");
        settings.put("spring.quartz.scheduler-name", "startup-" + java.util.UUID.randomUUID());
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(FlowbatchApplication.class)
            .properties(settings)
            .run()) {
            assertThat(app.getEnvironment()
                .getPropertySources()
                .contains(EmbeddedServicesEnvironmentPostProcessor.PROPERTY_SOURCE_NAME)).isFalse();
            assertThat(app.getEnvironment().getProperty("flowbatch.demo.enabled", Boolean.class, false)).isFalse();
            assertThat(app.getBeanNamesForType(DemoTraffic.class)).isEmpty();

            assertThat(app.getBean(JdbcClient.class)
                .sql("SELECT count(*) FROM flyway_schema_history WHERE success")
                .query(Long.class)
                .single()).isGreaterThanOrEqualTo(3);
            StringRedisTemplate redis = app.getBean(StringRedisTemplate.class);
            redis.opsForValue().set("flowbatch:startup-test", "external");
            assertThat(redis.opsForValue().getAndDelete("flowbatch:startup-test")).isEqualTo("external");
            send(app.getBean(JavaMailSender.class), "production");
            assertThat(mailServer.getReceivedMessages()).hasSize(1);
        }
        finally {
            mailServer.stop();
        }
    }

    private static void send(JavaMailSender sender, String text) {
        SimpleMailMessage message = new SimpleMailMessage();
        message.setFrom("flowbatch@example.com");
        message.setTo("operator@example.com");
        message.setSubject("startup mode");
        message.setText(text);
        sender.send(message);
    }

    /** One message with the return path as its envelope sender, straight to the sink. */
    private static void sendFrom(EmbeddedSmtpServer smtp, String returnPath, String recipient) throws Exception {
        Properties mail = new Properties();
        mail.put("mail.smtp.host", smtp.host());
        mail.put("mail.smtp.port", Integer.toString(smtp.port()));
        mail.put("mail.smtp.from", returnPath);
        MimeMessage message = new MimeMessage(Session.getInstance(mail));
        message.setFrom("shop@example.com");
        message.setRecipients(Message.RecipientType.TO, recipient);
        message.setSubject("Your cart");
        message.setText("Still there");
        Transport.send(message);
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return (value == null || value.isBlank()) ? fallback : value;
    }

}
