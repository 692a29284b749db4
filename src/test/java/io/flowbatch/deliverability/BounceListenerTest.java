package io.flowbatch.deliverability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.flowbatch.delivery.ReturnPath;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbound listener on a real socket, with real PostgreSQL, Redis and SMTP: a delivery
 * status notification, a complaint report and a bounce in prose, each sent to a message's
 * return path, suppress its address and move its evaluation; a forged return path,
 * another domain and an oversized message suppress nobody.
 */
@FlowbatchTest
class BounceListenerTest {

    static final int PORT = Fixtures.freePort();

    static final String DOMAIN = "bounces.shop.example";

    /** What {@link #deliver} records when the server closed the connection mid-data. */
    static final String CLOSED = "closed by the server";

    @DynamicPropertySource
    static void listener(DynamicPropertyRegistry registry) {
        registry.add("spring.quartz.scheduler-name", () -> "flowbatch-bounce-listener-test");
        registry.add("flowbatch.bounces.return-path-domain", () -> DOMAIN);
        registry.add("flowbatch.bounces.smtp.port", () -> PORT);
        registry.add("flowbatch.bounces.smtp.bind-address", () -> "127.0.0.1");
        registry.add("flowbatch.bounces.smtp.max-message-size", () -> "64KB");
    }

    @Autowired
    Fixtures fixture;

    @Autowired
    ReturnPath returnPath;

    @BeforeEach
    void sent() throws Exception {
        fixture.reset();
        fixture.checkoutFlow("Cart");
        fixture.dueCheckouts(0, 5);
        fixture.runMinute();
    }

    @Test
    void reportsToAReturnPathSuppressItsAddressAndMoveItsEvaluation() {
        List<String> dsn = deliver(returnPathOf(0), """
                From: MAILER-DAEMON@mx.example.net
                To: %s
                Subject: Undelivered Mail Returned to Sender
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

                --b1
                Content-Type: text/plain

                I'm sorry to have to inform you that your message could not be delivered.
                --b1
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.net

                Final-Recipient: rfc822; customer0@example.com
                Action: failed
                Status: 5.1.1
                Diagnostic-Code: smtp; 550 5.1.1 <customer0@example.com>: Recipient address
                 rejected: User unknown in virtual mailbox table
                --b1--
                """.formatted(returnPathOf(0)));
        deliver(returnPathOf(1), """
                From: staff@fbl.example.org
                To: %s
                Subject: Abuse report
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=feedback-report; boundary="b2"

                --b2
                Content-Type: text/plain

                This is an email abuse report.
                --b2
                Content-Type: message/feedback-report

                Feedback-Type: abuse
                User-Agent: SomeGenerator/1.0
                Version: 1
                --b2--
                """.formatted(returnPathOf(1)));
        deliver(returnPathOf(2),
                """
                        From: postmaster@outlook.example
                        Subject: Undeliverable: Hi
                        Content-Type: text/plain

                        Delivery has failed to these recipients or groups:
                        Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'
                        """);

        assertThat(dsn).last().asString().startsWith("221");
        assertThat(fixture.count("state = 'BOUNCED'")).isEqualTo(2);
        assertThat(fixture.count("state = 'COMPLAINED' AND reason = 'complained about: feedback report: abuse'"))
            .isOne();
        assertThat(suppressionReason(0)).isEqualTo("hard bounce: smtp; 550 5.1.1 <customer0@example.com>: Recipient "
                + "address rejected: User unknown in virtual mailbox table");
        assertThat(suppressionReason(1)).isEqualTo("complaint: feedback report: abuse");
        assertThat(suppressionReason(2)).startsWith("hard bounce: Remote Server returned '550 5.1.10");
        assertThat(fixture.data().count("delivery_event")).isEqualTo(3);
    }

    @Test
    void aForgedReturnPathAnotherDomainAndAnOversizedMessageSuppressNobody() {
        String genuine = returnPathOf(3);
        String forged = genuine.replaceFirst("-[0-9a-f]{12}@", "-000000000000@");
        deliver(forged, "Subject: bounce\n\nStatus: 5.1.1 user unknown\n");
        List<String> elsewhere = deliver("postmaster@shop.example", "Subject: relay me\n\nhello\n");
        List<String> oversized = deliver(returnPathOf(4),
                "Subject: big\n\n" + "x".repeat(100) + "\n" + ("5.1.1 " + "y".repeat(120) + "\n").repeat(800));

        assertThat(elsewhere).anySatisfy((reply) -> assertThat(reply).matches("55[03].*"));
        // Refused at the end of its data (the library answers 421 there; a client that
        // declares the size in MAIL gets 552 up front).
        assertThat(oversized.get(5)).matches("[45]\\d\\d .*|" + CLOSED);
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT count(*) FROM customer WHERE suppressed_at IS NOT NULL")
            .query(Long.class)
            .single()).isZero();
        assertThat(fixture.count("state = 'SENT'")).isEqualTo(5);
        assertThat(fixture.data().jdbc().sql("SELECT rejected FROM delivery_event").query(String.class).list())
            .containsExactly("the return path is forged or unknown");
    }

    @Test
    void aFeedbackLoopReportToItsOwnAddressFindsTheMessageByTheReturnPathItNames() {
        String genuine = returnPathOf(0);
        String forged = returnPathOf(1).replaceFirst("-[0-9a-f]{12}@", "-000000000000@");
        for (String reported : List.of(genuine, forged)) {
            deliver("fbl@" + DOMAIN, """
                    From: staff@hotmail.example
                    To: fbl@%s
                    Subject: complaint
                    MIME-Version: 1.0
                    Content-Type: multipart/report; report-type=feedback-report; boundary="f1"

                    --f1
                    Content-Type: text/plain

                    This is an email abuse report.
                    --f1
                    Content-Type: message/feedback-report

                    Feedback-Type: abuse
                    Version: 1
                    --f1
                    Content-Type: text/rfc822-headers

                    Return-Path: <%s>
                    Subject: You left something in your cart
                    --f1--
                    """.formatted(DOMAIN, reported));
        }

        assertThat(fixture.count("state = 'COMPLAINED'")).isOne();
        assertThat(suppressionReason(0)).isEqualTo("complaint: feedback report: abuse");
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT count(*) FROM customer WHERE suppressed_at IS NOT NULL")
            .query(Long.class)
            .single()).isOne();
        assertThat(fixture.data()
            .jdbc()
            .sql("SELECT rejected FROM delivery_event WHERE rejected IS NOT NULL")
            .query(String.class)
            .list()).containsExactly("the return path is forged or unknown");
    }

    private String returnPathOf(int customer) {
        return returnPath.address(fixture.evaluationSentTo(customer));
    }

    private String suppressionReason(int customer) {
        return fixture.data()
            .jdbc()
            .sql("SELECT suppression_reason FROM customer WHERE email = :email")
            .param("email", Fixtures.email(customer))
            .query(String.class)
            .single();
    }

    /**
     * One SMTP session with a null sender, as bounces come; returns every reply line.
     * Stops at the first refusal of the recipient.
     */
    private static List<String> deliver(String recipient, String message) {
        List<String> replies = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            replies.add(reply(in));
            replies.add(command(out, in, "EHLO mx.example.net"));
            replies.add(command(out, in, "MAIL FROM:<>"));
            String rcpt = command(out, in, "RCPT TO:<" + recipient + ">");
            replies.add(rcpt);
            if (rcpt.startsWith("250")) {
                replies.add(command(out, in, "DATA"));
                String data = message.replace("\r\n", "\n").replace("\n", "\r\n").replaceAll("(?m)^\\.", "..");
                try {
                    replies.add(command(out, in, data + (data.endsWith("\r\n") ? "" : "\r\n") + "."));
                }
                catch (SocketException ex) {
                    // A server that refuses an oversized message may answer and close
                    // before the client has written all of it.
                    replies.add(CLOSED);
                    return replies;
                }
            }
            try {
                replies.add(command(out, in, "QUIT"));
            }
            catch (SocketException ex) {
                // It closed after refusing the message (a 421 ends the session).
                replies.add(CLOSED);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return replies;
    }

    private static String command(OutputStream out, BufferedReader in, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply(in);
    }

    /** The last line of a reply, which may span several (250-...). */
    private static String reply(BufferedReader in) throws IOException {
        String line = in.readLine();
        while (line != null && line.length() > 3 && line.charAt(3) == '-') {
            line = in.readLine();
        }
        return String.valueOf(line);
    }

}
