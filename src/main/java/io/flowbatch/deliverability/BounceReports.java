package io.flowbatch.deliverability;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
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
 * whose enhanced status code says what happened (status-code heuristics).
 */
final class BounceReports {

    /** What a report says; null type when it says nothing flowbatch acts on. */
    record Report(BounceType type, String diagnostic) {
    }

    /** An enhanced status code (RFC 3463) in prose: {@code 5.1.1}. */
    private static final Pattern STATUS = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.])");

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
                if (reportType.equals("delivery-status") && part.isMimeType("message/delivery-status")) {
                    return deliveryStatus(text(part));
                }
                if (reportType.equals("feedback-report") && part.isMimeType("message/feedback-report")) {
                    return feedback(text(part));
                }
            }
        }
        return prose(message);
    }

    /**
     * RFC 3464: the per-recipient fields. {@code Action: failed} with a 5.x.x status is a
     * hard bounce; {@code delayed}, or a 4.x.x status, a soft one; delivered, relayed or
     * expanded, nothing.
     */
    static Report deliveryStatus(String fields) {
        String action = field(fields, "Action");
        String status = field(fields, "Status");
        String diagnostic = field(fields, "Diagnostic-Code");
        String said = (diagnostic != null) ? diagnostic : status;
        if (action == null) {
            return new Report(null, "a delivery status without an Action");
        }
        String what = action.toLowerCase(Locale.ROOT);
        if (what.startsWith("failed")) {
            return new Report((status != null && status.startsWith("4")) ? BounceType.SOFT : BounceType.HARD, said);
        }
        if (what.startsWith("delayed")) {
            return new Report(BounceType.SOFT, said);
        }
        return new Report(null, "a delivery status that reports " + what);
    }

    /** RFC 5965: any feedback type but {@code not-spam} is a complaint. */
    static Report feedback(String fields) {
        String feedbackType = field(fields, "Feedback-Type");
        if (feedbackType == null || feedbackType.equalsIgnoreCase("not-spam")) {
            return new Report(null, "a feedback report of type " + feedbackType);
        }
        return new Report(BounceType.COMPLAINT, "feedback report: " + feedbackType.toLowerCase(Locale.ROOT));
    }

    /** A bounce in prose: its first enhanced status code that is not a success. */
    static Report prose(Part message) throws MessagingException, IOException {
        String text = firstText(message);
        if (text == null) {
            return new Report(null, "no report and no text");
        }
        Matcher status = STATUS.matcher(text.length() > PROSE_LIMIT ? text.substring(0, PROSE_LIMIT) : text);
        while (status.find()) {
            if (!status.group(1).equals("2")) {
                String line = lineAround(text, status.start());
                return new Report(status.group(1).equals("5") ? BounceType.HARD : BounceType.SOFT, line);
            }
        }
        return new Report(null, "no status code in the text");
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
