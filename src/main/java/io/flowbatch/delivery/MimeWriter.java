package io.flowbatch.delivery;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a message in the form SMTP's DATA carries it (RFC 5321, section 4.5.2): header
 * fields and text parts in MIME form (RFC 2045, 2046), every line ending in CRLF, a line
 * that starts with a dot given a second one, the whole ending on a line break. Straight
 * from the rendered strings, with the JDK's vectorised String searches: Jakarta Mail did
 * the same work through a DataHandler, a content-type detection that read every part
 * twice and a CRLF filter byte by byte, which cost a third of a chunk's CPU.
 */
final class MimeWriter {

    /** RFC 5322's limit on a line, without its CRLF. */
    private static final int MAX_LINE = 998;

    /** RFC 2045's limit on an encoded line, its soft break's "=" included. */
    private static final int MAX_QUOTED_LINE = 76;

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] CRLF = { '\r', '\n' };

    private final ByteArrayOutputStream out;

    /** The next byte starts a line. */
    private boolean lineStart = true;

    MimeWriter(int expectedSize) {
        this.out = new ByteArrayOutputStream(expectedSize);
    }

    /**
     * One header field; the value must already be encoded, and folded where long (a line
     * break in it followed by a space or tab).
     */
    MimeWriter header(String name, String value) {
        String field = (name + ": " + value).replace("\r\n", "\n");
        boolean folded = field.indexOf('\r') < 0;
        for (int at = field.indexOf('\n'); folded && at >= 0; at = field.indexOf('\n', at + 1)) {
            folded = at + 1 < field.length() && (field.charAt(at + 1) == ' ' || field.charAt(at + 1) == '\t');
        }
        if (!folded) {
            throw new IllegalArgumentException("header " + name + " holds a line break that does not fold it");
        }
        if (field.getBytes(StandardCharsets.UTF_8).length != field.length()) {
            // An address outside ASCII (SMTPUTF8) is not supported.
            throw new IllegalArgumentException("header " + name + " holds a character outside ASCII: " + value);
        }
        line(field.replace("\n", "\r\n"));
        return this;
    }

    /** A body of one text part: {@code text/html}, say. */
    void single(String mediaType, String text) {
        part(mediaType, text, null);
    }

    /**
     * A {@code multipart/alternative} body: the plain part first, so a client shows the
     * last one it can, the HTML.
     */
    void alternative(String boundary, String plain, String html) {
        header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
        line("");
        line("--" + boundary);
        part("text/plain", plain, boundary);
        // The line break before a delimiter is the delimiter's (RFC 2046, 5.1.1).
        endLine();
        line("--" + boundary);
        part("text/html", html, boundary);
        endLine();
        line("--" + boundary + "--");
    }

    /** The data, ending on a line break so that the end-of-data line stands alone. */
    byte[] toByteArray() {
        if (!lineStart) {
            endLine();
        }
        return out.toByteArray();
    }

    /**
     * A text part in UTF-8: as it is when it is short-lined ASCII that cannot be taken
     * for the boundary, quoted-printable otherwise (where every "=" is encoded, so the
     * boundary, which holds one, cannot appear). Ends without a line break of its own
     * unless the text ends with one.
     */
    private void part(String mediaType, String text, String boundary) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        boolean asIs = sevenBit(text, bytes) && (boundary == null || !text.contains(boundary));
        header("Content-Type", mediaType + "; charset=UTF-8");
        header("Content-Transfer-Encoding", asIs ? "7bit" : "quoted-printable");
        line("");
        if (asIs) {
            sevenBitLines(text, bytes);
        }
        else {
            byte[] encoded = quotedPrintable(bytes);
            out.write(encoded, 0, encoded.length);
            lineStart = encoded.length == 0 || encoded[encoded.length - 1] == '\n';
        }
    }

    /**
     * ASCII text line by line: every line break (CRLF, CR or LF) a CRLF, a leading dot
     * doubled.
     */
    private void sevenBitLines(String text, byte[] bytes) {
        if (text.indexOf('\r') >= 0) {
            String normalized = text.replace("\r\n", "\n").replace('\r', '\n');
            sevenBitLines(normalized, normalized.getBytes(StandardCharsets.US_ASCII));
            return;
        }
        int start = 0;
        for (int end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
            lineBytes(bytes, start, end);
            endLine();
            start = end + 1;
        }
        if (start < bytes.length) {
            lineBytes(bytes, start, bytes.length);
        }
    }

    private void lineBytes(byte[] bytes, int from, int to) {
        if (from < to && bytes[from] == '.') {
            out.write('.');
        }
        out.write(bytes, from, to - from);
        lineStart = from == to;
    }

    /** A whole line the writer made, which never starts with a dot. */
    private void line(String ascii) {
        out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
        endLine();
    }

    private void endLine() {
        out.writeBytes(CRLF);
        lineStart = true;
    }

    /**
     * ASCII without NUL, every line at most 998 octets. With the JDK's vectorised String
     * searches: a byte loop over every part was a sixth of a chunk's CPU.
     */
    static boolean sevenBit(String text, byte[] utf8) {
        // A character outside ASCII takes two or more bytes in UTF-8.
        if (utf8.length != text.length() || text.indexOf('\0') >= 0) {
            return false;
        }
        int start = 0;
        for (int end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
            // The CR of a CRLF is not part of the line; a bare CR, counted here, only
            // makes the check stricter.
            int length = (end > start && text.charAt(end - 1) == '\r') ? end - start - 1 : end - start;
            if (length > MAX_LINE) {
                return false;
            }
            start = end + 1;
        }
        return text.length() - start <= MAX_LINE;
    }

    /**
     * RFC 2045, section 6.7: printable ASCII but "=" as it is, space and tab as they are
     * unless they end a line, every other octet as =XX; each line break (CRLF, CR or LF)
     * a CRLF; soft breaks keep lines at 76 characters. A dot that would start a line is
     * encoded too, so no line needs dot-stuffing.
     */
    static byte[] quotedPrintable(byte[] in) {
        byte[] encoded = new byte[in.length * 3 + in.length / 8 + 16];
        int length = 0;
        int column = 0;
        for (int i = 0; i < in.length; i++) {
            int b = in[i] & 0xff;
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < in.length && in[i + 1] == '\n') {
                    i++;
                }
                encoded[length++] = '\r';
                encoded[length++] = '\n';
                column = 0;
                continue;
            }
            boolean endsLine = i + 1 == in.length || in[i + 1] == '\r' || in[i + 1] == '\n';
            boolean literal = (b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !endsLine);
            int width = literal ? 1 : 3;
            // A soft break's "=" takes a column; the last piece of a line needs none.
            if (column + width > MAX_QUOTED_LINE - 1 && !(endsLine && column + width <= MAX_QUOTED_LINE)) {
                encoded[length++] = '=';
                encoded[length++] = '\r';
                encoded[length++] = '\n';
                column = 0;
            }
            if (b == '.' && column == 0) {
                // At the start of a line, after a hard or a soft break.
                literal = false;
                width = 3;
            }
            if (literal) {
                encoded[length++] = (byte) b;
            }
            else {
                encoded[length++] = '=';
                encoded[length++] = HEX[b >> 4];
                encoded[length++] = HEX[b & 0xf];
            }
            column += width;
        }
        return Arrays.copyOf(encoded, length);
    }

}
