package io.flowbatch.deliverability;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import jakarta.mail.MessagingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link BounceReports} against a corpus of what comes back to a return path, one message
 * a file under src/test/resources/bounces: bounces and complaints in the shapes that
 * Postfix, Exim, qmail, Microsoft Exchange, Gmail, Yahoo and feedback loops give them,
 * malformed messages, and mail that only looks like a bounce (a success report, an
 * out-of-office reply). The team wrote every message itself in the shape of those
 * servers' reports, with example domains and a return path (VERP) in its To; none is
 * copied from a real mailbox. Each file's expected result is written out in EXPECTATIONS
 * rather than worked out from the file, so that a change to the parsing that reads a real
 * server's report differently shows here. Every file is read as stored (LF) and as it
 * arrives by SMTP (CRLF), and a file without an expectation fails the corpus.
 */
class BounceCorpusTest {

    static final String CORPUS = "/bounces";

    /**
     * What each file of the corpus gives: a type, NONE when it says nothing flowbatch
     * acts on, or THROWS when it is not a readable message; and a fragment its diagnostic
     * (for THROWS, the exception's message) contains. A line starting with # is a
     * comment.
     */
    static final String EXPECTATIONS = """
            # RFC 3464 delivery status notifications: the per-recipient Action and Status decide, the
            # Diagnostic-Code (unfolded) is the diagnostic.
            postfix-user-unknown.eml | HARD | 550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown
            postfix-delayed.eml | SOFT | connect to mx.example.org[198.51.100.7]:25: Connection timed out
            postfix-delivered.eml | NONE | a delivery status that reports delivered
            # Its first part is text/html; the message/delivery-status part after it decides.
            exchange-recipient-not-found.eml | HARD | smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound
            # The text part is nested in multipart/related and multipart/alternative.
            gmail-no-such-user.eml | HARD | 550-5.1.1 The email account that you tried to reach does not exist
            # Action: failed with a 4.x.x status (retried, then given up): soft.
            gmail-mailbox-full.eml | SOFT | 452-4.2.2 The recipient's inbox is out of storage space
            # No Diagnostic-Code: the Status is the diagnostic.
            dsn-status-without-diagnostic-code.eml | HARD | 5.2.1
            dsn-without-action.eml | NONE | a delivery status without an Action
            # A DMARC block (5.7.26) says nothing against the address: soft, never suppressed for good.
            gmail-dmarc-block.eml | SOFT | 550-5.7.26 Unauthenticated email from shop.example
            # RFC 6533, an internationalised address.
            postfix-global-delivery-status.eml | HARD | 550 5.1.1 <jörg@example.net>
            # Prose bounces: the first enhanced status code that is not 2.x.x, and its line.
            exim-prose-user-unknown.eml | HARD | 550 5.1.1 <jane@example.net>: Recipient address rejected
            # Exim calls it a permanent error (given up after retries), but the code is 4.2.2.
            exim-prose-mailbox-full.eml | SOFT | 452 4.2.2 <lee@example.net>: Mailbox full
            exim-delay-warning.eml | SOFT | 450 4.2.1 <kim@example.org>: Mailbox temporarily unavailable
            qmail-prose-user-unknown.eml | HARD | Remote host said: 550 5.1.1 <zoe@example.net>
            # 250 2.0.0, 250 2.1.0 come first and are skipped.
            relay-prose-success-then-failure.eml | HARD | <<< 550 5.1.1 <tom@example.com>... No such user here
            # A bare 554 with no enhanced code: hard, since its line blames the address.
            yahoo-prose-no-account.eml | HARD | 554: delivery error: dd This user doesn't have a yahoo.com account
            # A full mailbox (5.2.2) and a policy block (5.7.9) are permanent failures that say
            # nothing against the address: soft.
            yahoo-prose-mailbox-full.eml | SOFT | 552 5.2.2 <rob@example.org>: mailbox full
            yahoo-prose-policy-rejection.eml | SOFT | 554 5.7.9 Message not accepted for policy reasons
            autoreply-out-of-office.eml | NONE | no status code in the text
            # A date and a version number that look like status codes, but follow no reply code.
            autoreply-with-dates-and-versions.eml | NONE | no status code in the text
            # RFC 5965 feedback reports: abuse, fraud and other are complaints.
            arf-yahoo-abuse.eml | COMPLAINT | feedback report: abuse
            arf-isp-abuse.eml | COMPLAINT | feedback report: abuse
            # Sent to the feedback loop's own address: the enclosed copy's Return-Path names the message.
            arf-feedback-loop-address.eml | COMPLAINT | feedback report: abuse
            arf-not-spam.eml | NONE | a feedback report of type not-spam
            # A DMARC failure report (RFC 6591) is not a recipient's complaint.
            arf-auth-failure.eml | NONE | a feedback report of type auth-failure
            # Malformed. No line is the header's boundary: Jakarta Mail's parser refuses the
            # multipart (ParseException), and read throws.
            malformed-boundary-never-appears.eml | THROWS | Missing start boundary
            # No closing boundary: by default (mail.mime.multipart.ignoremissingendboundary)
            # the last part runs to the end of the data, so what arrived of the report decides.
            malformed-truncated-dsn.eml | HARD | smtp; 550 5.1.1 <ivy@example.net>: Recipient address
            # Cut inside the delivery-status part's headers: the parser drops a part whose headers
            # never end, so there is no report and the text part is read as prose.
            malformed-truncated-in-part-headers.eml | HARD | said: 550 5.1.1
            malformed-no-body.eml | NONE | no status code in the text
            # Only a winmail.dat attachment.
            exchange-tnef-only.eml | NONE | no report and no text
            """;

    static Stream<Arguments> corpus() {
        List<Arguments> corpus = new ArrayList<>();
        for (String line : EXPECTATIONS.lines().map(String::strip).toList()) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                String[] fields = line.split("\\|", 3);
                corpus.add(Arguments.of(fields[0].strip(), fields[1].strip(), fields[2].strip()));
            }
        }
        return corpus.stream();
    }

    /**
     * A file gives the type and a diagnostic with the fragment its expectation names,
     * whichever line endings it comes with.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("corpus")
    void aMessageGivesItsTypeAndDiagnostic(String file, String expected, String diagnostic) throws Exception {
        byte[] stored = resource(file);

        assertReads(file + " as stored (LF)", stored, expected, diagnostic);
        assertReads(file + " as it comes by SMTP (CRLF)", crlf(stored), expected, diagnostic);
    }

    /**
     * A feedback report names the message's return path, whatever address it was sent to:
     * from its Original-Mail-From, or from the Return-Path of the copy it encloses.
     */
    @ParameterizedTest
    @CsvSource({ "arf-yahoo-abuse.eml, bounces+1013-9b0e6c2f7a14@bounces.shop.example",
            "arf-feedback-loop-address.eml, bounces+1022-5c7e9a1b3d4f@bounces.shop.example" })
    void aFeedbackReportNamesTheReturnPathOfTheMessageReported(String file, String returnPath) throws Exception {
        assertThat(read(resource(file)).returnPath()).isEqualTo(returnPath);
    }

    @Test
    void everyFileOfTheCorpusHasAnExpectation() throws Exception {
        Path directory = Path.of(BounceCorpusTest.class.getResource(CORPUS).toURI());
        List<String> expected = corpus().map((arguments) -> (String) arguments.get()[0]).toList();
        List<String> stored;
        try (Stream<Path> files = Files.list(directory)) {
            stored = files.map((file) -> file.getFileName().toString()).toList();
        }

        assertThat(stored).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static void assertReads(String described, byte[] message, String expected, String diagnostic)
            throws Exception {
        if (expected.equals("THROWS")) {
            Throwable failure = catchThrowable(() -> read(message));
            assertThat(failure).as(described).isInstanceOf(MessagingException.class).hasMessageContaining(diagnostic);
            return;
        }
        BounceReports.Report report = read(message);
        BounceType type = expected.equals("NONE") ? null : BounceType.valueOf(expected);
        assertThat(report.type()).as(described).isEqualTo(type);
        assertThat(report.diagnostic()).as(described).contains(diagnostic);
    }

    private static BounceReports.Report read(byte[] message) throws Exception {
        return BounceReports.read(new ByteArrayInputStream(message));
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = BounceCorpusTest.class.getResourceAsStream(CORPUS + "/" + file)) {
            assertThat(in).as(file).isNotNull();
            return in.readAllBytes();
        }
    }

    /** The message as it comes by SMTP: every line ended by CRLF. */
    private static byte[] crlf(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        return text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

}
