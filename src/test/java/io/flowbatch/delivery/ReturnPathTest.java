package io.flowbatch.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The return path names its evaluation, signed: read back whatever case a mail server
 * gave it, and a forged, altered or foreign one names none.
 */
class ReturnPathTest {

    private final ReturnPath returnPath = new ReturnPath(new BounceProperties("bounces.shop.example"),
            SigningKey.of("test-secret"));

    /** Messages keep their From as envelope sender. */
    static ReturnPath none() {
        return new ReturnPath(new BounceProperties(null), SigningKey.of("test-secret"));
    }

    @Test
    void aReturnPathNamesItsEvaluationAndReadsBackInAnyCase() {
        String address = returnPath.address(1234);

        assertThat(address).matches("bounces\\+1234-[0-9a-f]{12}@bounces\\.shop\\.example");
        assertThat(returnPath.evaluationId(address)).hasValue(1234);
        assertThat(returnPath.evaluationId(address.toUpperCase(Locale.ROOT))).hasValue(1234);
        assertThat(returnPath.evaluationId(" " + address + " ")).hasValue(1234);
    }

    @ParameterizedTest
    @ValueSource(strings = { "bounces+1235-%s@bounces.shop.example", "bounces+1234-000000000000@bounces.shop.example",
            "bounces+1234-%s@other.example", "bounces+1234@bounces.shop.example", "bounce+1234-%s@bounces.shop.example",
            "bounces+99999999999999999999-%s@bounces.shop.example", "" })
    void aForgedAlteredOrForeignReturnPathNamesNoEvaluation(String pattern) {
        String genuine = returnPath.address(1234);
        String signature = genuine.substring(genuine.indexOf('-') + 1, genuine.indexOf('@'));

        assertThat(returnPath.evaluationId(pattern.formatted(signature))).isEqualTo(OptionalLong.empty());
    }

    @Test
    void anotherKeyRecognisesNone() {
        ReturnPath other = new ReturnPath(new BounceProperties("bounces.shop.example"), SigningKey.of("other"));

        assertThat(other.evaluationId(returnPath.address(1234))).isEmpty();
    }

    @Test
    void theMessageGoesOutWithItsReturnPathAsEnvelopeSender() throws Exception {
        MessageFactory messages = new MessageFactory(properties(), returnPath, DkimSignerTest.none(),
                Clock.systemUTC());

        PreparedMessage message = messages.build(
                new OutgoingEmail(77, "jane@example.com", "Jane", "Shop <shop@example.com>", null),
                new RenderedEmail("Hi", "<p>Hi</p>", null));

        assertThat(message.sender()).isEqualTo(returnPath.address(77));
        assertThat(new String(message.content(), StandardCharsets.US_ASCII)).contains("From: Shop <shop@example.com>");
        assertThat(none().address(77)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = { "bounces shop.example", "-bounces.example", "bounces..example", "bounces.example/x" })
    void aReturnPathDomainThatIsNoDomainIsRefusedNamingTheSetting(String domain) {
        assertThatThrownBy(() -> new BounceProperties(domain))
            .hasMessageContaining("flowbatch.bounces.return-path-domain");
    }

    private static DeliveryProperties properties() {
        return new DeliveryProperties(DeliveryProperties.Guarantee.AT_MOST_ONCE, "flowbatch.local", 1, 16,
                Duration.ofSeconds(30), 16, 3, Duration.ofMillis(200), 5, Duration.ofMinutes(5),
                "http://localhost:8080", null, Duration.ofHours(16), List.of());
    }

}
