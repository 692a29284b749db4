package io.flowbatch.delivery;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.flowbatch.support.DkimKeys;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.FailException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * DKIM signatures as a receiving server checks them: Apache James jDKIM's verifier,
 * looking the key up where it is published ({@code s2026._domainkey.shop.example}, served
 * here from the TXT record an operator would publish), accepts what flowbatch signs,
 * including one-click unsubscribe headers and a dot-stuffed line, and refuses a message
 * whose body or unsubscribe link changed on the way.
 */
class DkimSignerTest {

    /** No keys: nothing signed. */
    static DkimSigner none() {
        return new DkimSigner(new DkimProperties(null));
    }

    @Test
    void aSignedMessageVerifiesAgainstThePublishedKeyAndSignsTheUnsubscribeHeaders(@TempDir Path keys)
            throws Exception {
        MessageFactory factory = factory(signer(keys));

        byte[] message = factory
            .build(email("Shop <hello@shop.example>"),
                    new RenderedEmail("Your cart", "<p>Still there</p>\n.leading dot\n", "Still there"))
            .content();

        List<SignatureRecord> signatures = verifier().verify(new ByteArrayInputStream(DkimSigner.unstuffed(message)));
        assertThat(signatures).hasSize(1);
        assertThat(signatures.get(0).getDToken()).isEqualTo("shop.example");
        assertThat(signatures.get(0).getSelector()).isEqualTo("s2026");
        assertThat(signatures.get(0).getHeaders()).extracting(CharSequence::toString)
            .contains("from", "subject", "list-unsubscribe", "list-unsubscribe-post");
        assertThat(new String(message, StandardCharsets.US_ASCII)).startsWith("DKIM-Signature: ")
            .contains("\r\n..leading dot\r\n");
    }

    @Test
    void aChangedBodyOrUnsubscribeLinkFailsVerification(@TempDir Path keys) throws Exception {
        String message = new String(
                DkimSigner.unstuffed(factory(signer(keys)).build(email("Shop <hello@shop.example>"),
                        new RenderedEmail("Your cart", "<p>Still there</p>", null))
                    .content()),
                StandardCharsets.US_ASCII);

        for (String altered : List.of(message.replace("Still there", "Still here!"),
                message.replace("https://shop.example/u/42.sig", "https://evil.example/u/42.sig"))) {
            assertThat(altered).isNotEqualTo(message);
            assertThatThrownBy(
                    () -> verifier().verify(new ByteArrayInputStream(altered.getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(FailException.class);
        }
    }

    @Test
    void mailFromADomainWithoutAKeyGoesUnsigned(@TempDir Path keys) throws Exception {
        byte[] message = factory(signer(keys))
            .build(email("Other <hello@other.example>"), new RenderedEmail("Hi", "<p>Hi</p>", null))
            .content();

        assertThat(new String(message, StandardCharsets.US_ASCII)).doesNotContain("DKIM-Signature");
    }

    @Test
    void aKeyFileThatIsNotAPkcs8PrivateKeyFailsStartUpNamingTheProperty(@TempDir Path keys) throws Exception {
        Path rsa = Files.writeString(keys.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n");
        Path garbage = Files.writeString(keys.resolve("garbage.pem"),
                "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");

        for (Path file : List.of(rsa, garbage, keys.resolve("missing.pem"))) {
            assertThatThrownBy(() -> new DkimSigner(new DkimProperties(
                    Map.of("shop.example", new DkimProperties.Key("s2026", new FileSystemResource(file))))))
                .hasMessageContaining("flowbatch.dkim.shop.example.private-key");
        }
        assertThatThrownBy(() -> new DkimProperties(
                Map.of("shop.example", new DkimProperties.Key("bad selector", new FileSystemResource(rsa)))))
            .hasMessageContaining("flowbatch.dkim.shop.example.selector");
    }

    private static DkimSigner signer(Path keys) {
        return new DkimSigner(new DkimProperties(Map.of("shop.example",
                new DkimProperties.Key(DkimKeys.SELECTOR, new FileSystemResource(DkimKeys.privateKeyFile(keys))))));
    }

    private static DKIMVerifier verifier() {
        return DkimKeys.verifier("shop.example");
    }

    private static MessageFactory factory(DkimSigner signer) {
        return new MessageFactory(
                new DeliveryProperties(DeliveryProperties.Guarantee.AT_MOST_ONCE, "flowbatch.local", 8, 32,
                        Duration.ofSeconds(30), 25, 3, Duration.ofMillis(200), 5, Duration.ofMinutes(5),
                        "http://localhost:8080", null, Duration.ofHours(16), List.of()),
                ReturnPathTest.none(), signer, Clock.systemUTC());
    }

    private static OutgoingEmail email(String from) {
        return new OutgoingEmail(42, "jane@example.com", "Jane Doe", from, "https://shop.example/u/42.sig");
    }

}
