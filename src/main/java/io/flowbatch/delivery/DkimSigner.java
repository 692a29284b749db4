package io.flowbatch.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.james.jdkim.DKIMSigner;
import org.apache.james.jdkim.exceptions.FailException;

import org.springframework.stereotype.Component;

/**
 * Signs messages with the DKIM key of their From domain (rsa-sha256, relaxed/relaxed).
 * The signed headers include {@code List-Unsubscribe} and {@code List-Unsubscribe-Post},
 * as RFC 8058 asks, so that a one-click unsubscribe link cannot be altered in transit.
 */
@Component
public class DkimSigner {

    /**
     * The headers signed. One the message lacks is signed as absent, so it cannot be
     * added later either.
     */
    static final String SIGNED_HEADERS = "from:to:subject:date:message-id:mime-version:content-type"
            + ":list-unsubscribe:list-unsubscribe-post";

    private final Map<String, DKIMSigner> signers = new HashMap<>();

    DkimSigner(DkimProperties properties) {
        properties.dkim().forEach((domain, key) -> {
            String template = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain.toLowerCase(Locale.ROOT) + "; s="
                    + key.selector() + "; h=" + SIGNED_HEADERS + "; bh=; b=;";
            signers.put(domain.toLowerCase(Locale.ROOT), new DKIMSigner(template, privateKey(domain, key)));
        });
    }

    /** Whether mail from this domain is signed. */
    public boolean signs(String domain) {
        return signers.containsKey(domain.toLowerCase(Locale.ROOT));
    }

    /**
     * The message with a DKIM-Signature header first; unchanged when its domain has no
     * key. The message is as {@link MimeWriter} writes it, dot-stuffed for SMTP; the
     * signature covers it as the receiver stores it, with the stuffing undone.
     */
    public byte[] sign(String domain, byte[] message) {
        DKIMSigner signer = signers.get(domain.toLowerCase(Locale.ROOT));
        if (signer == null) {
            return message;
        }
        try {
            byte[] header = (signer.sign(new ByteArrayInputStream(unstuffed(message))) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
            byte[] signed = new byte[header.length + message.length];
            System.arraycopy(header, 0, signed, 0, header.length);
            System.arraycopy(message, 0, signed, header.length, message.length);
            return signed;
        }
        catch (IOException | FailException ex) {
            throw new IllegalStateException("Could not sign a message from " + domain + ": " + ex.getMessage(), ex);
        }
    }

    /** RFC 5321, 4.5.2: a line's leading dot that the writer doubled, taken out again. */
    static byte[] unstuffed(byte[] data) {
        byte[] stored = new byte[data.length];
        int length = 0;
        boolean lineStart = true;
        for (byte b : data) {
            if (!(lineStart && b == '.')) {
                stored[length++] = b;
            }
            lineStart = b == '\n';
        }
        return (length == data.length) ? data : java.util.Arrays.copyOf(stored, length);
    }

    private static PrivateKey privateKey(String domain, DkimProperties.Key key) {
        String property = "flowbatch.dkim." + domain + ".private-key";
        String pem;
        try (InputStream in = key.privateKey().getInputStream()) {
            pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        catch (IOException ex) {
            throw new IllegalArgumentException(property + " cannot be read: " + ex.getMessage(), ex);
        }
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException(property + " must be a PKCS #8 PEM file (BEGIN PRIVATE KEY);"
                    + " convert an RSA one with: openssl pkcs8 -topk8 -nocrypt -in key.pem");
        }
        try {
            return DKIMSigner
                .getPrivateKey(pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", ""));
        }
        catch (GeneralSecurityException | IllegalArgumentException ex) {
            throw new IllegalArgumentException(property + " is not an RSA private key: " + ex.getMessage(), ex);
        }
    }

}
