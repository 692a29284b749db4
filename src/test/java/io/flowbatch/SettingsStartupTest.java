package io.flowbatch;

import java.time.Duration;

import io.flowbatch.deliverability.DeliverabilityProperties;
import io.flowbatch.deliverability.WebhookProperties;
import io.flowbatch.delivery.BounceProperties;
import io.flowbatch.delivery.DeliveryProperties;
import io.flowbatch.delivery.FrequencyCap;
import io.flowbatch.delivery.RelayProperties;
import io.flowbatch.execution.ExecutionProperties;
import io.flowbatch.system.LocalTimeProperties;
import io.flowbatch.webhook.OutboundWebhookProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Settings as start-up binds them: a choice is one of its enum's values, written as the
 * README writes it, and a wrong value stops start-up with a message that names the
 * property and what it may be. Binds the settings records alone, the way the application
 * does.
 */
@ExtendWith(OutputCaptureExtension.class)
class SettingsStartupTest {

    @Test
    void choicesBindFromTheirKebabCaseSpelling() {
        try (ConfigurableApplicationContext context = start("flowbatch.execution.mode=per-item",
                "flowbatch.execution.partitioning=remote", "flowbatch.delivery.guarantee=at-least-once")) {
            ExecutionProperties execution = context.getBean(ExecutionProperties.class);
            DeliveryProperties delivery = context.getBean(DeliveryProperties.class);

            assertThat(execution.mode()).isEqualTo(ExecutionProperties.Mode.PER_ITEM);
            assertThat(execution.remote()).isTrue();
            assertThat(delivery.guarantee()).isEqualTo(DeliveryProperties.Guarantee.AT_LEAST_ONCE);
            assertThat(delivery.guarantee().value()).isEqualTo("at-least-once");
        }
    }

    @Test
    void aChoiceOutsideItsValuesFailsStartUpNamingThePropertyAndTheValuesAllowed(CapturedOutput output) {
        assertThatThrownBy(() -> start("flowbatch.delivery.guarantee=exactly-once")).isNotNull();

        assertThat(output).contains("flowbatch.delivery.guarantee")
            .contains("exactly-once")
            .contains("AT_MOST_ONCE")
            .contains("AT_LEAST_ONCE");
    }

    @Test
    void aValueOutOfRangeFailsStartUpNamingTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> start("flowbatch.execution.chunk-size=0", "flowbatch.execution.claim-lease=PT0.5S"))
            .isNotNull();

        assertThat(output).contains("flowbatch.execution.chunk-size")
            .contains("must be greater than or equal to 1")
            .contains("flowbatch.execution.claim-lease");
    }

    @Test
    void frequencyCapsBindFromTheirListSpelling() {
        try (ConfigurableApplicationContext context = start("flowbatch.delivery.frequency-caps=3/P1D, 10/P7D",
                "flowbatch.delivery.default-time-zone=Europe/Paris")) {
            assertThat(context.getBean(DeliveryProperties.class).frequencyCaps())
                .containsExactly(new FrequencyCap(3, Duration.ofDays(1)), new FrequencyCap(10, Duration.ofDays(7)));
            assertThat(context.getBean(LocalTimeProperties.class).defaultZoneName()).isEqualTo("Europe/Paris");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "0/P1D", "3/PT0S", "3", "three/P1D", "3/P1D/2" })
    void aFrequencyCapThatAllowsNothingOrCannotBeReadFailsStartUpNamingTheProperty(String cap, CapturedOutput output) {
        assertThatThrownBy(() -> start("flowbatch.delivery.frequency-caps=" + cap)).isNotNull();

        assertThat(output).contains("flowbatch.delivery.frequency-caps").contains(cap);
    }

    @ParameterizedTest
    @ValueSource(strings = { "+01:00", "UTC+1", "Mars/Olympus" })
    void aDefaultTimeZoneThatIsAnOffsetOrUnknownFailsStartUpNamingTheProperty(String zone, CapturedOutput output) {
        assertThatThrownBy(() -> start("flowbatch.delivery.default-time-zone=" + zone)).isNotNull();

        assertThat(output).contains("flowbatch.delivery").contains("default-time-zone");
    }

    @Test
    void relaysBindByName() {
        try (ConfigurableApplicationContext context = start(
                "flowbatch.relays.ses.host=email-smtp.eu-west-1.amazonaws.com", "flowbatch.relays.ses.port=587",
                "flowbatch.relays.ses.tls=true", "flowbatch.relays.ses.rate=14",
                "flowbatch.relays.ses.daily-quota=50000", "flowbatch.relays.default.rate=100")) {
            RelayProperties relays = context.getBean(RelayProperties.class);
            assertThat(relays.relays().get("ses").port()).isEqualTo(587);
            assertThat(relays.relays().get("ses").rate()).isEqualTo(14.0);
            assertThat(relays.relays().get("ses").dailyQuota()).isEqualTo(50_000L);
            assertThat(relays.relays().get("default").host()).as("the spring.mail relay, limited").isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "flowbatch.relays.ses.port=587", "flowbatch.relays.ses.host=h,flowbatch.relays.ses.port=0",
            "flowbatch.relays.ses.host=h,flowbatch.relays.ses.rate=0",
            "flowbatch.relays.ses.host=h,flowbatch.relays.ses.daily-quota=-5" })
    void aRelayWithoutAHostOrWithABadLimitFailsStartUpNamingTheProperty(String settings, CapturedOutput output) {
        assertThatThrownBy(() -> start(settings.split(","))).isNotNull();

        assertThat(output).contains("flowbatch.relays");
    }

    @Test
    void aReturnPathDomainThatIsNoDomainFailsStartUpNamingTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> start("flowbatch.bounces.return-path-domain=bounces shop.example")).isNotNull();

        assertThat(output).contains("flowbatch.bounces.return-path-domain");
    }

    @ParameterizedTest
    @ValueSource(strings = { "flowbatch.deliverability.max-complaint-rate=0",
            "flowbatch.deliverability.max-hard-bounce-rate=1.5", "flowbatch.deliverability.guard-window=0",
            "flowbatch.deliverability.guard-window=50", "flowbatch.deliverability.soft-bounce-suppression=PT0S" })
    void aGuardOrSoftBounceSettingOutOfRangeFailsStartUpNamingTheProperty(String setting, CapturedOutput output) {
        assertThatThrownBy(() -> start(setting)).isNotNull();

        assertThat(output).contains(setting.substring(0, setting.indexOf('=')));
    }

    @ParameterizedTest
    @ValueSource(strings = { "flowbatch.webhooks.sendgrid.public-key=bm90IGEga2V5",
            "flowbatch.webhooks.postmark.username=postmark", "flowbatch.webhooks.ses.certificate-host=sns.(",
            "flowbatch.webhooks.max-age=PT0S", "flowbatch.webhooks.ses.enabled=true" })
    void aWebhookSettingThatCannotWorkFailsStartUpNamingTheProperty(String setting, CapturedOutput output) {
        assertThatThrownBy(() -> start(setting)).isNotNull();

        assertThat(output).contains(setting.substring(0, setting.indexOf('=')));
    }

    @ParameterizedTest
    @ValueSource(
            strings = { "flowbatch.outbound-webhooks.signing-key=too-short", "flowbatch.outbound-webhooks.timeout=PT0S",
                    "flowbatch.outbound-webhooks.timeout=PT1H", "flowbatch.outbound-webhooks.concurrency=0" })
    void anOutboundWebhookSettingOutOfRangeFailsStartUpNamingTheProperty(String setting, CapturedOutput output) {
        assertThatThrownBy(() -> start(setting)).isNotNull();

        assertThat(output).contains(setting.substring(0, setting.indexOf('=')));
    }

    private static ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(Settings.class).web(WebApplicationType.NONE)
            .properties("flowbatch.embedded.enabled=false", "spring.main.banner-mode=off")
            .properties(properties)
            .run();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ ExecutionProperties.class, DeliveryProperties.class, LocalTimeProperties.class,
            RelayProperties.class, BounceProperties.class, DeliverabilityProperties.class, WebhookProperties.class,
            OutboundWebhookProperties.class })
    static class Settings {

    }

}
