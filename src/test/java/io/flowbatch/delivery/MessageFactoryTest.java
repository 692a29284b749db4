package io.flowbatch.delivery;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The messages flowbatch writes itself, read back by Jakarta Mail's parser as a receiving
 * client would: every header and every character of each part arrives as it was rendered.
 */
class MessageFactoryTest {

    private static final Instant NOW = Instant.parse("2026-03-29T01:30:05Z");

    private final MessageFactory factory = new MessageFactory(properties(), ReturnPathTest.none(),
            DkimSignerTest.none(), Clock.fixed(NOW, ZoneOffset.ofHours(2)));

    @Test
    void anAsciiMessageHasEveryHeaderAndBothPartsAsTheyWereRendered() throws Exception {
        PreparedMessage prepared = factory.build(email("jane@example.com", "Jane Doe"), new RenderedEmail(
                "Still thinking it over?", "<p>Your cart</p>\n.<p>is waiting</p>\r\n..", "Your cart"));

        MimeMessage message = parse(prepared);

        assertThat(prepared.sender()).isEqualTo("shop@example.com");
        assertThat(prepared.recipients()).containsExactly("jane@example.com");
        assertThat(message.getMessageID()).isEqualTo(factory.messageId(42));
        assertThat(message.getSentDate().toInstant()).isEqualTo(NOW);
        assertThat(message.getHeader("Date", null)).isEqualTo("Sun, 29 Mar 2026 01:30:05 +0000");
        assertThat(message.getFrom()).containsExactly(new InternetAddress("Shop <shop@example.com>"));
        assertThat(((InternetAddress) message.getAllRecipients()[0]).getPersonal()).isEqualTo("Jane Doe");
        assertThat(message.getSubject()).isEqualTo("Still thinking it over?");
        assertThat(message.getHeader(MessageFactory.EVALUATION_HEADER, null)).isEqualTo("42");
        assertThat(message.getHeader("List-Unsubscribe", null)).isEqualTo("<https://shop.example/u/42.sig>");
        assertThat(message.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(message.getHeader("MIME-Version", null)).isEqualTo("1.0");
        Multipart alternative = (Multipart) message.getContent();
        assertThat(alternative.getContentType()).startsWith("multipart/alternative");
        assertThat(alternative.getCount()).isEqualTo(2);
        assertPart(alternative.getBodyPart(0), "text/plain", "7bit", "Your cart");
        assertPart(alternative.getBodyPart(1), "text/html", "7bit", "<p>Your cart</p>\n.<p>is waiting</p>\n..");
    }

    @Test
    void textOutsideAsciiLongLinesAndTrailingSpaceArriveIntact() throws Exception {
        String html = "<p>Grüße, Zoë – 20 % Rabatt auf alles: 49,90 € 🎁</p>  \n" + "x".repeat(1200) + "\n"
                + "a=b, =41, tab\tend\t\n.\n..two dots\n" + "ü".repeat(200) + "\nlast";
        PreparedMessage prepared = factory.build(email("zoe@example.com", "Zoë Ångström"),
                new RenderedEmail("Ihr Warenkorb wartet – 🎁 für Sie", html, null));

        MimeMessage message = parse(prepared);

        assertThat(message.getSubject()).isEqualTo("Ihr Warenkorb wartet – 🎁 für Sie");
        assertThat(((InternetAddress) message.getAllRecipients()[0]).getPersonal()).isEqualTo("Zoë Ångström");
        assertPart(message, "text/html", "quoted-printable", html + "\n");
        String raw = new String(prepared.content(), StandardCharsets.US_ASCII);
        String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
        assertThat(body.split("\r\n")).as("quoted-printable lines").allMatch((line) -> line.length() <= 76);
        assertThat(raw.split("\r\n")).as("every line ASCII, none long").allMatch((line) -> line.length() <= 998);
        assertThat(raw).isEqualTo(new String(prepared.content(), StandardCharsets.UTF_8));
    }

    @Test
    void aPartIsSentAsItIsOnlyWhileEveryLineFitsSmtpsLimit() throws Exception {
        String fits = "x".repeat(998);
        String longer = "y".repeat(999);

        assertPart(
                parse(factory.build(email("jane@example.com", null),
                        new RenderedEmail("Subject", fits + "\r\n" + fits + "\n" + fits, null))),
                "text/html", "7bit", fits + "\n" + fits + "\n" + fits + "\n");
        assertPart(
                parse(factory.build(email("jane@example.com", null),
                        new RenderedEmail("Subject", fits + "\n" + longer, null))),
                "text/html", "quoted-printable", fits + "\n" + longer + "\n");
        assertPart(
                parse(factory.build(email("jane@example.com", null),
                        new RenderedEmail("Subject", longer + "\n" + fits, null))),
                "text/html", "quoted-printable", longer + "\n" + fits + "\n");
        assertPart(parse(factory.build(email("jane@example.com", null), new RenderedEmail("Subject", "a\0b", null))),
                "text/html", "quoted-printable", "a\0b\n");
    }

    @Test
    void aPartThatHoldsTheBoundaryIsEncodedSoTheBoundaryCannotEndIt() throws Exception {
        String html = "<p>before</p>\n--=_flowbatch-42\n--=_flowbatch-42--\n<p>after</p>";

        MimeMessage message = parse(
                factory.build(email("jane@example.com", null), new RenderedEmail("Subject", html, "plain")));

        Multipart alternative = (Multipart) message.getContent();
        assertThat(alternative.getCount()).isEqualTo(2);
        assertPart(alternative.getBodyPart(0), "text/plain", "7bit", "plain");
        assertPart(alternative.getBodyPart(1), "text/html", "quoted-printable", html);
    }

    /** 7bit and quoted-printable against Jakarta Mail's parser, over random text. */
    @Test
    void randomTextRoundTrips() throws Exception {
        Random random = new Random(7);
        int[] ascii = { 'a', ' ', '\t', '=', '.', '\n', '\r', '~', '!', 0x7F, 0x01 };
        int[] wider = { 'a', ' ', '\t', '=', '.', '\n', '\r', 'é', '€', 0x1F381, '~', '!', 0x7F, 0x01 };
        for (int round = 0; round < 600; round++) {
            int[] alphabet = (round % 2 == 0) ? ascii : wider;
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(400);
            for (int i = 0; i < length; i++) {
                text.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
            }
            String html = "<p>" + text + "</p>";

            MimeMessage message = parse(
                    factory.build(email("jane@example.com", null), new RenderedEmail("Subject", html, "plain")));

            // Every line break arrives as CRLF, whichever the template used.
            String expected = html.replace("\r\n", "\n").replace('\r', '\n');
            Multipart alternative = (Multipart) message.getContent();
            assertThat(alternative.getBodyPart(1).getContent().toString().replace("\r\n", "\n")).as(html)
                .isEqualTo(expected);
        }
    }

    @Test
    void aSendersNameOutsideAsciiIsEncodedAndAnAddressOutsideAsciiFailsTheMessage() throws Exception {
        MimeMessage message = parse(
                factory.build(new OutgoingEmail(42, "jane@example.com", null, "Café Zoë <shop@example.com>",
                        "https://shop.example/u"), new RenderedEmail("Subject", "<p>Hi</p>", null)));

        assertThat(((InternetAddress) message.getFrom()[0]).getPersonal()).isEqualTo("Café Zoë");
        assertThat(message.getHeader("From", null)).startsWith("=?UTF-8?");
        assertThatExceptionOfType(MessagingException.class).isThrownBy(
                () -> factory.build(email("jäne@example.com", null), new RenderedEmail("Subject", "<p>Hi</p>", null)));
    }

    @Test
    void aTransactionalEmailHasNoUnsubscribeHeaders() throws Exception {
        MimeMessage message = parse(
                factory.build(new OutgoingEmail(42, "jane@example.com", null, "Shop <shop@example.com>", null),
                        new RenderedEmail("Your order", "<p>Thanks</p>", null)));

        assertThat(message.getHeader("List-Unsubscribe")).isNull();
        assertThat(message.getHeader("List-Unsubscribe-Post")).isNull();
        assertThat(message.getMessageID()).isEqualTo(factory.messageId(42));
    }

    @Test
    void anAddressThatDoesNotParseFailsTheMessageAlone() {
        assertThatExceptionOfType(MessagingException.class)
            .isThrownBy(() -> factory.build(email("not an address", null), new RenderedEmail("s", "h", null)));
        assertThatExceptionOfType(MessagingException.class).isThrownBy(() -> factory
            .build(email("jane@example.com\r\nBcc: x@example.com", null), new RenderedEmail("s", "h", null)));
    }

    private static void assertPart(Part part, String type, String encoding, String text) throws Exception {
        assertThat(part.getContentType()).isEqualToIgnoringCase(type + "; charset=UTF-8");
        assertThat(part.getHeader("Content-Transfer-Encoding")).containsExactly(encoding);
        assertThat(part.getContent().toString().replace("\r\n", "\n")).isEqualTo(text);
    }

    private static OutgoingEmail email(String recipient, String name) {
        return new OutgoingEmail(42, recipient, name, "Shop <shop@example.com>", "https://shop.example/u/42.sig");
    }

    /** The data as the server stores it: dot-stuffing undone (RFC 5321, 4.5.2). */
    private static MimeMessage parse(PreparedMessage prepared) throws Exception {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        byte[] data = prepared.content();
        boolean lineStart = true;
        for (int i = 0; i < data.length; i++) {
            if (!(lineStart && data[i] == '.')) {
                stored.write(data[i]);
            }
            lineStart = data[i] == '\n';
        }
        byte[] bytes = stored.toByteArray();
        assertThat(new String(Arrays.copyOfRange(data, Math.max(0, data.length - 2), data.length),
                StandardCharsets.US_ASCII))
            .as("the data ends on a line break")
            .isEqualTo("\r\n");
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
    }

    private static DeliveryProperties properties() {
        return new DeliveryProperties(DeliveryProperties.Guarantee.AT_MOST_ONCE, "flowbatch.local", 8, 32,
                Duration.ofSeconds(30), 25, 3, Duration.ofMillis(200), 5, Duration.ofMinutes(5),
                "http://localhost:8080", null, Duration.ofHours(16), List.of());
    }

}
