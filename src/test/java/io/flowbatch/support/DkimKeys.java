package io.flowbatch.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.PublicKeyRecordRetriever;
import org.apache.james.jdkim.exceptions.PermFailException;

/**
 * A DKIM key for tests, as an operator would make and publish one: the private key as a
 * PKCS #8 PEM file, the public key as the TXT record of
 * {@code <selector>._domainkey.<domain>}, and Apache James jDKIM's verifier looking the
 * record up there, as a receiving server does.
 */
public final class DkimKeys {

    public static final String SELECTOR = "s2026";

    private static final KeyPair KEY = rsaKeyPair();

    /** The TXT record to publish. */
    public static final String RECORD = "v=DKIM1; k=rsa; p="
            + Base64.getEncoder().encodeToString(KEY.getPublic().getEncoded());

    private DkimKeys() {
    }

    /** The private key, written where a setting can name it. */
    public static Path privateKeyFile(Path directory) {
        try {
            return Files.writeString(directory.resolve("dkim.pem"),
                    "-----BEGIN PRIVATE KEY-----\n"
                            + Base64.getMimeEncoder().encodeToString(KEY.getPrivate().getEncoded())
                            + "\n-----END PRIVATE KEY-----\n");
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Finds the record at {@code s2026._domainkey.<domain>}, and nothing elsewhere. */
    public static DKIMVerifier verifier(String domain) {
        PublicKeyRecordRetriever published = (method, selector, signingDomain) -> {
            if (method.toString().equals("dns/txt") && selector.toString().equals(SELECTOR)
                    && signingDomain.toString().equals(domain)) {
                return List.of(RECORD);
            }
            throw new PermFailException("no key published at " + selector + "._domainkey." + signingDomain);
        };
        return new DKIMVerifier(published);
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

}
