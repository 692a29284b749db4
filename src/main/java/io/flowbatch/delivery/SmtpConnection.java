package io.flowbatch.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP session with a relay (RFC 5321): greeting, EHLO, STARTTLS and AUTH when
 * configured, then any number of messages, pipelined (RFC 2920) when the server offers
 * it, until QUIT.
 *
 * <p>
 * With PIPELINING a message costs one round trip: its MAIL, RCPT and DATA go out in one
 * write, and the next message's envelope goes out with this message's end of data, so the
 * server answers both in one reply. Each message still gets its own result, decided by
 * the phase it had reached: a refusal of MAIL, RCPT or DATA is that message's alone and
 * leaves the session usable (after RSET); a connection that breaks before the message's
 * end of data was written leaves it certainly undelivered; only a connection that breaks
 * after its end of data was written, before the reply, leaves it in doubt.
 *
 * <p>
 * Not thread-safe: a connection belongs to one sender at a time
 * ({@link SmtpConnections}).
 */
final class SmtpConnection implements AutoCloseable {

    private static final byte[] END_OF_DATA = ".\r\n".getBytes(StandardCharsets.US_ASCII);

    private final SmtpRelay relay;

    private Socket socket;

    private InputStream in;

    private OutputStream out;

    private final Set<String> extensions = new HashSet<>();

    private final Set<String> authMechanisms = new HashSet<>();

    /** When a write began, for the watchdog; 0 while none is under way. */
    private volatile long writingSinceNanos;

    /** A transaction was refused or abandoned: RSET before the next MAIL. */
    private boolean resetNeeded;

    /**
     * Opened for the message at hand and not yet through a message or a wait in the pool:
     * a break before its first reply is then the server's doing, not an idle timeout.
     */
    private boolean fresh = true;

    private volatile long idleSinceNanos = System.nanoTime();

    private volatile boolean closed;

    private SmtpConnection(SmtpRelay relay) {
        this.relay = relay;
    }

    /**
     * Connects, greets, upgrades to TLS and logs in, as the relay's settings say.
     * @throws IOException when any of that fails: nothing was sent
     */
    static SmtpConnection open(SmtpRelay relay) throws IOException {
        SmtpConnection connection = new SmtpConnection(relay);
        try {
            connection.handshake();
            return connection;
        }
        catch (IOException | RuntimeException ex) {
            connection.abandon();
            throw ex;
        }
    }

    private void handshake() throws IOException {
        Socket plain = new Socket();
        plain.setTcpNoDelay(true);
        plain.connect(new InetSocketAddress(relay.host(), relay.port()), (int) relay.connectTimeout().toMillis());
        attach(relay.implicitTls() ? tls(plain) : plain);
        expect(readReply(), 220, "greeting");
        ehlo();
        if (!(socket instanceof SSLSocket) && relay.startTls()) {
            if (extensions.contains("STARTTLS")) {
                command("STARTTLS");
                expect(readReply(), 220, "STARTTLS");
                attach(tls(socket));
                ehlo();
            }
            else if (relay.startTlsRequired()) {
                throw new IOException(relay + " does not offer STARTTLS, and spring.mail.properties."
                        + "mail.smtp.starttls.required is set");
            }
        }
        if (relay.username() != null) {
            authenticate();
        }
    }

    private void attach(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) relay.readTimeout().toMillis());
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    private SSLSocket tls(Socket plain) throws IOException {
        SSLSocket tls = (SSLSocket) relay.tlsSockets().createSocket(plain, relay.host(), relay.port(), true);
        if (relay.checkServerIdentity()) {
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        tls.setSoTimeout((int) relay.readTimeout().toMillis());
        tls.startHandshake();
        return tls;
    }

    private void ehlo() throws IOException {
        extensions.clear();
        authMechanisms.clear();
        command("EHLO " + relay.heloName());
        SmtpReply reply = readReply(true);
        if (reply.code() != 250) {
            command("HELO " + relay.heloName());
            expect(readReply(), 250, "HELO");
        }
    }

    private void authenticate() throws IOException {
        String password = (relay.password() != null) ? relay.password() : "";
        if (authMechanisms.contains("PLAIN")) {
            command("AUTH PLAIN " + base64("\0" + relay.username() + "\0" + password));
            expect(readReply(), 235, "AUTH PLAIN");
        }
        else if (authMechanisms.contains("LOGIN")) {
            command("AUTH LOGIN");
            expect(readReply(), 334, "AUTH LOGIN");
            command(base64(relay.username()));
            expect(readReply(), 334, "AUTH LOGIN");
            command(base64(password));
            expect(readReply(), 235, "AUTH LOGIN");
        }
        else {
            throw new IOException(relay + " offers no AUTH PLAIN or LOGIN (it offers " + authMechanisms
                    + "), but spring.mail.username is set: refusing to send without logging in");
        }
    }

    boolean pipelining() {
        return extensions.contains("PIPELINING");
    }

    /**
     * Sends messages from {@code from} on, in order, each at most once, writing each
     * one's result; asks the permit before each envelope and before each end of data.
     * Stops early when the connection breaks.
     * @return the index of the first message without a result: {@code messages.size()}
     * when all have one; otherwise the connection is closed and the caller goes on with a
     * new one
     */
    int send(List<PreparedMessage> messages, int from, SendResult[] results, SendPermit permit) {
        boolean envelopeWritten = false;
        for (int i = from; i < messages.size(); i++) {
            PreparedMessage message = messages.get(i);
            if (!envelopeWritten) {
                if (!permit.granted()) {
                    return withhold(results, i, messages.size());
                }
                try {
                    writeEnvelope(message);
                    flush();
                }
                catch (IOException ex) {
                    return broken(results, i, ex);
                }
            }
            SmtpReply refusal;
            try {
                refusal = readEnvelopeReplies(message);
            }
            catch (IOException ex) {
                return broken(results, i, ex);
            }
            if (refusal != null) {
                results[i] = refusal.refusal();
                resetNeeded = true;
                if (refusal.closing() || closed) {
                    abandon();
                    return i + 1;
                }
                envelopeWritten = false;
                continue;
            }
            boolean endWritten = false;
            try {
                writeWatched(message.content());
                if (!permit.granted()) {
                    // The server takes a message only with its end of data: without it,
                    // whatever content it read is dropped with the connection.
                    results[i] = SendResult.withheld();
                    abandon();
                    return withhold(results, i + 1, messages.size());
                }
                endWritten = true;
                out.write(END_OF_DATA);
                envelopeWritten = pipelining() && i + 1 < messages.size() && permit.granted();
                if (envelopeWritten) {
                    writeEnvelope(messages.get(i + 1));
                }
                flush();
                SmtpReply end = readReply();
                fresh = false;
                // Any reply to the end of data ends the transaction: no RSET needed.
                results[i] = end.positive() ? SendResult.sent(end.toString()) : end.refusal();
                if (end.closing()) {
                    abandon();
                    return i + 1;
                }
            }
            catch (IOException ex) {
                results[i] = endWritten
                        ? SendResult.of(SendResult.Kind.UNKNOWN,
                                "connection lost after the end of data: " + describe(ex))
                        : SendResult.of(SendResult.Kind.TRANSIENT,
                                "connection lost before the end of data, not delivered: " + describe(ex));
                abandon();
                return i + 1;
            }
        }
        return messages.size();
    }

    /**
     * The connection broke before the message's end of data: it was not delivered. Had
     * the connection carried messages or waited in the pool before, the break is most
     * likely the server's idle timeout, and the message goes again on a new connection;
     * on a fresh one it is a transient failure.
     */
    private int broken(SendResult[] results, int index, IOException ex) {
        boolean retryElsewhere = !fresh;
        abandon();
        if (retryElsewhere) {
            return index;
        }
        results[index] = SendResult.of(SendResult.Kind.TRANSIENT,
                "connection lost before the message was handed over: " + describe(ex));
        return index + 1;
    }

    private static int withhold(SendResult[] results, int from, int to) {
        for (int i = from; i < to; i++) {
            results[i] = SendResult.withheld();
        }
        return to;
    }

    /**
     * With PIPELINING the whole envelope; without, only its first command, the rest
     * follows reply by reply.
     */
    private void writeEnvelope(PreparedMessage message) throws IOException {
        if (!pipelining()) {
            write(resetNeeded ? "RSET" : mailFrom(message));
            return;
        }
        if (resetNeeded) {
            write("RSET");
        }
        write(mailFrom(message));
        for (String recipient : message.recipients()) {
            write("RCPT TO:<" + recipient + ">");
        }
        write("DATA");
    }

    private String mailFrom(PreparedMessage message) {
        return "MAIL FROM:<" + ((relay.envelopeFrom() != null) ? relay.envelopeFrom() : message.sender()) + ">";
    }

    /**
     * The replies to RSET, MAIL, every RCPT and DATA, in order; null when DATA was
     * answered 354, else the first refusal. A server that answers DATA with 354 although
     * a recipient was refused gets no content: the connection is dropped instead, which
     * the server takes as no message.
     */
    private SmtpReply readEnvelopeReplies(PreparedMessage message) throws IOException {
        boolean pipelined = pipelining();
        if (resetNeeded) {
            resetNeeded = false;
            SmtpReply reset = readReply();
            if (!reset.positive()) {
                return reset;
            }
            if (!pipelined) {
                command(mailFrom(message));
            }
        }
        SmtpReply refusal = null;
        SmtpReply mail = readReply();
        if (!mail.positive()) {
            refusal = mail;
            if (!pipelined) {
                return refusal;
            }
        }
        for (String recipient : message.recipients()) {
            if (!pipelined) {
                command("RCPT TO:<" + recipient + ">");
            }
            SmtpReply rcpt = readReply();
            if (!rcpt.positive() && refusal == null) {
                refusal = rcpt;
                if (!pipelined) {
                    return refusal;
                }
            }
        }
        if (!pipelined) {
            command("DATA");
        }
        SmtpReply data = readReply();
        if (data.code() == 354 && refusal != null) {
            abandon();
            return refusal;
        }
        if (refusal == null && data.code() != 354) {
            refusal = data.positive() ? new SmtpReply(554, "unexpected reply to DATA: " + data) : data;
        }
        return refusal;
    }

    /** Sent at once, its reply read by the caller. */
    private void command(String line) throws IOException {
        write(line);
        flush();
    }

    private void write(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    private void flush() throws IOException {
        writingSinceNanos = System.nanoTime();
        try {
            out.flush();
        }
        finally {
            writingSinceNanos = 0;
        }
    }

    /**
     * A message's content: larger than the buffer, it goes to the socket at once, and a
     * server that stops reading blocks the write; the watchdog ends it as it ends a
     * stalled flush.
     */
    private void writeWatched(byte[] content) throws IOException {
        writingSinceNanos = System.nanoTime();
        try {
            out.write(content);
        }
        finally {
            writingSinceNanos = 0;
        }
    }

    private SmtpReply readReply() throws IOException {
        return readReply(false);
    }

    /** Reads one reply, all its lines; {@code ehlo}: its lines name the extensions. */
    private SmtpReply readReply(boolean ehlo) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (boolean first = true;; first = false) {
            line.reset();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            String value = line.toString(StandardCharsets.ISO_8859_1);
            if (value.length() < 3 || !Character.isDigit(value.charAt(0)) || !Character.isDigit(value.charAt(1))
                    || !Character.isDigit(value.charAt(2))) {
                throw new IOException("not an SMTP reply: " + value);
            }
            String rest = (value.length() > 4) ? value.substring(4).strip() : "";
            if (ehlo && !first) {
                extension(rest);
            }
            else {
                text.append((text.length() > 0) ? " " : "").append(rest);
            }
            if (value.length() == 3 || value.charAt(3) != '-') {
                return new SmtpReply(Integer.parseInt(value.substring(0, 3)), text.toString());
            }
        }
    }

    private void extension(String line) {
        String[] words = line.toUpperCase(Locale.ROOT).split("[ =]+");
        if (words.length == 0 || words[0].isEmpty()) {
            return;
        }
        extensions.add(words[0]);
        if (words[0].equals("AUTH")) {
            authMechanisms.addAll(List.of(words).subList(1, words.length));
        }
    }

    private static void expect(SmtpReply reply, int code, String step) throws IOException {
        if (reply.code() != code) {
            throw new IOException(step + " answered " + reply);
        }
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(IOException ex) {
        return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
    }

    /** Whether a write has been blocked for longer than this. */
    boolean writeStalledFor(long nanos) {
        long since = writingSinceNanos;
        return since != 0 && System.nanoTime() - since > nanos;
    }

    /** Back in the pool: from now on it may have been closed by the server meanwhile. */
    void parked() {
        fresh = false;
        idleSinceNanos = System.nanoTime();
    }

    /** How long this connection has waited in the pool. */
    long idleNanos() {
        return System.nanoTime() - idleSinceNanos;
    }

    boolean isOpen() {
        return !closed;
    }

    /** Drops the connection without a word: what a broken or abandoned session gets. */
    void abandon() {
        closed = true;
        if (socket != null) {
            try {
                socket.close();
            }
            catch (IOException ex) {
                // Closing a broken socket: nothing to add.
            }
        }
    }

    /** QUIT, then close; a failing QUIT changes nothing, every message has its result. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            socket.setSoTimeout((int) Math.min(relay.readTimeout().toMillis(), 2000));
            command("QUIT");
            readReply();
        }
        catch (IOException ex) {
            // The server went first.
        }
        finally {
            abandon();
        }
    }

}
