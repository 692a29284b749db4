package io.flowbatch.delivery;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A message's content as SMTP's DATA carries it (RFC 5321, section 4.5.2): every line
 * ends in CRLF, whatever the MIME writer used (a bare CR or LF in a 7bit part becomes
 * CRLF), and a line that starts with a dot gets a second one, so no line of the content
 * can end the data. Runs without a line break or a leading dot are copied in one write.
 */
final class DotStuffingOutputStream extends FilterOutputStream {

    private static final byte CR = '\r';

    private static final byte LF = '\n';

    private static final byte DOT = '.';

    private static final byte[] CRLF = { CR, LF };

    /** The next byte starts a line. */
    private boolean lineStart = true;

    /** The last byte written was a CR whose LF has not come yet. */
    private boolean pendingCr;

    DotStuffingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int runStart = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (pendingCr) {
                pendingCr = false;
                if (b == LF) {
                    // The CR's line break, written with it.
                    runStart = i + 1;
                    continue;
                }
            }
            if (b == CR || b == LF) {
                out.write(bytes, runStart, i - runStart);
                out.write(CRLF);
                pendingCr = b == CR;
                lineStart = true;
                runStart = i + 1;
            }
            else if (lineStart) {
                lineStart = false;
                if (b == DOT) {
                    out.write(bytes, runStart, i - runStart);
                    out.write(DOT);
                    runStart = i;
                }
            }
        }
        out.write(bytes, runStart, end - runStart);
    }

    /**
     * Ends the content on a line break, so the end-of-data line that follows stands
     * alone.
     */
    void endContent() throws IOException {
        if (!lineStart) {
            out.write(CRLF);
        }
        lineStart = true;
        pendingCr = false;
    }

}
