package io.flowbatch.deliverability;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;

/**
 * Reads what came back to a return path: an RFC 3464 delivery status notification
 * ({@code multipart/report; report-type=delivery-status}), an RFC 5965 complaint
 * ({@code report-type=feedback-report}), or, from a server that writes neither, a body
 * whose SMTP reply says what happened (status-code heuristics).
 * <p>
 * A permanent failure is a hard bounce only when its enhanced status code (RFC 3463)
 * blames the address: {@code 5.1.x} (no such user, bad domain), {@code 5.2.1} (mailbox
 * disabled), {@code 5.4.4} (the domain routes nowhere), or the unspecific {@code 5.0.0};
 * not {@code 5.1.7} or {@code 5.1.8}, which blame the sender's. A policy or
 * authentication block ({@code 5.7.x}), a full mailbox ({@code 5.2.2}) or a fault of the
 * receiving system ({@code 5.3.x}) says nothing against the address: a soft bounce, which
 * suppresses only when it repeats. Suppressing for good on a block would drop every
 * recipient of a provider the day the sender's DMARC breaks.
 */
final class BounceReports {

    /**
     * What a report says; null type when it says nothing flowbatch acts on.
     *
     * @param returnPath the envelope sender of the message reported, when the report
     * names it (a feedback loop sends its reports to an address of its own, not to the
     * message's return path); null otherwise
     */
    record Report(BounceType type, String diagnostic, String returnPath) {

        Report(BounceType type, String diagnostic) {
            this(type, diagnostic, null);
        }

    }

    /** An enhanced status code (RFC 3463): {@code 5.1.1}. */
    private static final Pattern STATUS = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.])");

    /**
     * In prose, an enhanced status code counts only where a server writes one: after an
     * SMTP reply code ({@code 550 5.1.1}, {@code 550-5.1.1}) or a {@code Status:} label.
     * A date or a version number elsewhere ("back on 5.6.25", "Exim 4.97.1") is not one.
     */
    private static final Pattern PROSE_STATUS = Pattern
        .compile("(?i)(?:(?<![\\d.])[245]\\d\\d[ -]|status:[ \\t]*)([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.])");

    /**
     * A reply code without an enhanced one, as some servers write it
     * ({@code 554: delivery error: dd This user doesn't have ... account}): at the start
     * of a line, or after "said:" or "error:".
     */
    private static final Pattern PROSE_REPLY = Pattern
        .compile("(?im)(?:^[ \\t]*|said:[ \\t]*|error:[ \\t]*)([45])\\d\\d(?=[ :-])");

    /** What a reply without an enhanced code says when it blames the address. */
    private static final Pattern ADDRESS_UNKNOWN = Pattern.compile(
            "(?i)user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|doesn't have an? [^\\n]*account"
                    + "|mailbox (unavailable|not found)|invalid (recipient|mailbox|address)|recipient not found"
                    + "|address unknown|unknown (address|recipient)");

    /**
     * Where a prose bounce starts quoting the message it returns: codes after it are the
     * original's, not the bounce's.
     */
    private static final Pattern QUOTED_ORIGINAL = Pattern.compile(
            "(?im)^.*(below this line is a copy of the message|this is a copy of the message|original message follows"
                    + "|------ this is a copy|message headers follow).*$");

    /** Feedback types (RFC 5965, 6591) that are a recipient's complaint. */
    private static final Set<String> COMPLAINTS = Set.of("abuse", "fraud", "other");

    /** How much of a prose bounce is looked at for a status code. */
    private static final int PROSE_LIMIT = 64 * 1024;

    private BounceReports() {
    }

    /**
     * The report a message carries.
     * @throws MessagingException when it is not a readable MIME message
     */
    static Report read(InputStream data) throws MessagingException, IOException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), data);
        ContentType type = new ContentType(message.getContentType());
        if (type.match("multipart/report")) {
            String reportType = String.valueOf(type.getParameter("report-type")).toLowerCase(Locale.ROOT);
            Multipart parts = (Multipart) message.getContent();
            for (int i = 0; i < parts.getCount(); i++) {
                BodyPart part = parts.getBodyPart(i);
                if (reportType.equals("delivery-status") && (part.isMimeType("message/delivery-status")
                        || part.isMimeType("message/global-delivery-status"))) {
                    return deliveryStatus(text(part));
                }
                if (reportType.equals("feedback-report") && part.isMimeType("message/feedback-report")) {
                    return feedback(text(part), parts);
                }
            }
        }
        return prose(message);
    }

    /**
     * RFC 3464: the per-recipient fields. {@code Action: failed} is a bounce, hard or
     * soft by its status ({@link #classify}); {@code delayed} a soft one; delivered,
     * relayed or expanded, nothing. Without an Action, the status alone decides.
     */
    static Report deliveryStatus(String fields) {
        String action = field(fields, "Action");
        String status = field(fields, "Status");
        String diagnostic = field(fields, "Diagnostic-Code");
        String said = (diagnostic != null) ? diagnostic : status;
        Matcher code = (status != null) ? STATUS.matcher(status) : null;
        boolean coded = code != null && code.find();
        if (action == null) {
            if (coded && !code.group(1).equals("2")) {
                return new Report(classify(code), said);
            }
            return new Report(null, "a delivery status without an Action");
        }
        String what = action.toLowerCase(Locale.ROOT);
        if (what.startsWith("failed")) {
            return new Report(coded ? classify(code) : BounceType.HARD, said);
        }
        if (what.startsWith("delayed")) {
            return new Report(BounceType.SOFT, said);
        }
        return new Report(null, "a delivery status that reports " + what);
    }

    /**
     * RFC 5965: {@code abuse}, {@code fraud} and {@code other} are complaints;
     * {@code not-spam}, {@code virus} and {@code auth-failure} (RFC 6591 DMARC failure
     * reports) are not a recipient's. The message's return path is its
     * {@code Original-Mail-From}, or the Return-Path of the copy enclosed.
     */
    static Report feedback(String fields, Multipart parts) throws MessagingException, IOException {
        String feedbackType = field(fields, "Feedback-Type");
        String type = (feedbackType != null) ? feedbackType.toLowerCase(Locale.ROOT) : null;
        if (type == null || !COMPLAINTS.contains(type)) {
            return new Report(null, "a feedback report of type " + type);
        }
        String returnPath = field(fields, "Original-Mail-From");
        for (int i = 0; returnPath == null && i < parts.getCount(); i++) {
            BodyPart part = parts.getBodyPart(i);
            if (part.isMimeType("message/rfc822") || part.isMimeType("text/rfc822-headers")) {
                returnPath = field(headers(text(part)), "Return-Path");
            }
        }
        return new Report(BounceType.COMPLAINT, "feedback report: " + type, address(returnPath));
    }

    /**
     * A bounce in prose: its first enhanced status code, after a reply code or a Status
     * label, that is not a success; else a bare reply code, hard only when its line
     * blames the address. The copy of the original a bounce quotes is not read.
     */
    static Report prose(Part message) throws MessagingException, IOException {
        String text = firstText(message);
        if (text == null) {
            return new Report(null, "no report and no text");
        }
        String own = (text.length() > PROSE_LIMIT) ? text.substring(0, PROSE_LIMIT) : text;
        Matcher quoted = QUOTED_ORIGINAL.matcher(own);
        if (quoted.find()) {
            own = own.substring(0, quoted.start());
        }
        return replies(own);
    }

    /**
     * A relay's refusal while the message was being sent ({@code 550 5.1.1 ...}): hard or
     * soft as a bounce saying the same would be.
     */
    static Report ofReply(String reply) {
        return replies(reply);
    }

    /** The SMTP replies a text quotes: the first that is not a success decides. */
    private static Report replies(String own) {
        Matcher status = PROSE_STATUS.matcher(own);
        while (status.find()) {
            if (!status.group(1).equals("2")) {
                return new Report(classify(status), lineAround(own, status.start(1)));
            }
        }
        Matcher reply = PROSE_REPLY.matcher(own);
        if (reply.find()) {
            String line = lineAround(own, reply.start(1));
            boolean permanent = reply.group(1).equals("5") && ADDRESS_UNKNOWN.matcher(line).find();
            return new Report(permanent ? BounceType.HARD : BounceType.SOFT, line);
        }
        return new Report(null, "no status code in the text");
    }

    /**
     * Hard only for a permanent failure that blames the address; see the class comment.
     * The matcher's groups are the class, subject and detail of the code.
     */
    private static BounceType classify(Matcher code) {
        if (!code.group(1).equals("5")) {
            return BounceType.SOFT;
        }
        String subject = code.group(2);
        String detail = code.group(3);
        // 5.1.7 and 5.1.8 blame the sender's address, not the recipient's.
        boolean address = (subject.equals("1") && !detail.equals("7") && !detail.equals("8"))
                || (subject.equals("2") && detail.equals("1")) || (subject.equals("4") && detail.equals("4"))
                || (subject.equals("0") && detail.equals("0"));
        return address ? BounceType.HARD : BounceType.SOFT;
    }

    /** The header block of an enclosed message. */
    private static String headers(String message) {
        int end = message.indexOf("\n\n");
        int crlfEnd = message.indexOf("\r\n\r\n");
        int at = (crlfEnd >= 0 && (end < 0 || crlfEnd < end)) ? crlfEnd : end;
        return (at >= 0) ? message.substring(0, at) : message;
    }

    /**
     * The address inside {@code <...>}, or the text itself; null for none or {@code <>}.
     */
    private static String address(String field) {
        if (field == null) {
            return null;
        }
        String address = field.strip();
        int open = address.indexOf('<');
        int close = address.indexOf('>', open + 1);
        if (open >= 0 && close > open) {
            address = address.substring(open + 1, close).strip();
        }
        return address.isEmpty() ? null : address;
    }

    private static String firstText(Part part) throws MessagingException, IOException {
        if (part.isMimeType("text/*")) {
            return text(part);
        }
        if (part.isMimeType("multipart/*")) {
            Multipart parts = (Multipart) part.getContent();
            for (int i = 0; i < parts.getCount(); i++) {
                String text = firstText(parts.getBodyPart(i));
                if (text != null) {
                    return text;
                }
            }
        }
        return null;
    }

    private static String text(Part part) throws MessagingException, IOException {
        try (InputStream in = part.getInputStream()) {
            return new String(in.readNBytes(PROSE_LIMIT * 4), StandardCharsets.UTF_8);
        }
    }

    /** A header-style field of a report, unfolded; null when absent. */
    static String field(String fields, String name) {
        Matcher matcher = Pattern.compile("(?im)^" + Pattern.quote(name) + "[ \\t]*:[ \\t]*(.*(?:\\r?\\n[ \\t]+.*)*)")
            .matcher(fields);
        return matcher.find() ? matcher.group(1).replaceAll("\\r?\\n[ \\t]+", " ").strip() : null;
    }

    private static String lineAround(String text, int index) {
        int start = text.lastIndexOf('\n', index) + 1;
        int end = text.indexOf('\n', index);
        String line = text.substring(start, (end < 0) ? text.length() : end).strip();
        return (line.length() > 300) ? line.substring(0, 300) : line;
    }

}
