package io.flowbatch.webhook;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * With the defaults a server runs with, a webhook step reaches only public https hosts:
 * loopback, private, link-local (cloud metadata), unique-local and mapped addresses are
 * refused when the flow is saved, and a name that resolves to one is refused when it is
 * called.
 */
class WebhookTargetsTest {

    static final String KEY = "a-signing-key-that-is-long-enough-0123456789";

    final WebhookTargets defaults = new WebhookTargets(
            new OutboundWebhookProperties(List.of(), false, false, Duration.ofSeconds(10), 8, KEY));

    @ParameterizedTest
    @ValueSource(strings = { "https://127.0.0.1/hook", "https://127.1.2.3/",
            "https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/", "https://192.168.1.1/",
            "https://172.16.0.1/", "https://100.64.0.1/", "https://0.0.0.0/", "https://[::1]/", "https://[fd00::1]/",
            "https://[::ffff:127.0.0.1]/", "https://localhost/", "https://api.localhost/",
            "https://metadata.google.internal/", "https://printer.local/", "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2002:a9fe:a9fe::]/", "https://[::7f00:1]/" })
    void aHostThatIsNotPublicIsRefused(String url) {
        assertThat(defaults.problems(url)).singleElement().asString().contains("is not a public address");
    }

    @Test
    void aPublicHttpsHostIsAllowedAndPlainHttpIsNot() {
        assertThat(defaults.problems("https://hooks.example.com/flowbatch?x=1")).isEmpty();
        assertThat(defaults.problems("https://93.184.215.14/hook")).isEmpty();
        assertThat(defaults.problems("http://hooks.example.com/")).singleElement()
            .asString()
            .contains("must be an https URL");
        assertThat(defaults.problems("https://user:secret@hooks.example.com/")).singleElement()
            .asString()
            .contains("credentials");
        assertThat(defaults.problems("not a url at all")).isNotEmpty();
    }

    @Test
    void theAllowListNamesHostsAndSubdomains() {
        WebhookTargets listed = new WebhookTargets(new OutboundWebhookProperties(
                List.of("hooks.example.com", "*.crm.example"), false, false, Duration.ofSeconds(10), 8, KEY));
        assertThat(listed.problems("https://hooks.example.com/a")).isEmpty();
        assertThat(listed.problems("https://eu.crm.example/a")).isEmpty();
        assertThat(listed.problems("https://crm.example.evil.net/a")).singleElement()
            .asString()
            .contains("not in flowbatch.outbound-webhooks.allowed-hosts");
        assertThat(listed.problems("https://example.com/a")).isNotEmpty();
    }

    @Test
    void withoutASigningKeyNoWebhookStepCanBeSaved() {
        WebhookTargets unsigned = new WebhookTargets(
                new OutboundWebhookProperties(List.of(), false, false, Duration.ofSeconds(10), 8, null));
        assertThat(unsigned.problems("https://hooks.example.com/")).singleElement()
            .asString()
            .contains("flowbatch.outbound-webhooks.signing-key is not set");
    }

    @Test
    void aNameThatResolvesToLoopbackIsRefusedWhenCalled() {
        assertThatExceptionOfType(WebhookRefusedException.class)
            .isThrownBy(() -> defaults.checkResolved(URI.create("https://localhost/hook")))
            .withMessageContaining("which is not a public address");
    }

}
