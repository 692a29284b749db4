package io.flowbatch.support;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import com.icegreen.greenmail.util.DummySSLServerSocketFactory;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * A real SMTP server for tests, on a loopback port, whose answers a test can script: a
 * reply code for chosen recipients (once or always), refusing connections, dropping the
 * connection in the middle of a message. It keeps what it accepted and counts by
 * Message-ID, so a test can prove that nothing was received twice. One per test JVM
 * ({@link #shared()}).
 */
public final class TestSmtpServer {

    private static final TestSmtpServer SHARED = new TestSmtpServer();

    private final int port;

    private volatile ServerSocket serverSocket;

    private final List<Received> received = new CopyOnWriteArrayList<>();

    private final Map<String, AtomicInteger> countsByMessageId = new ConcurrentHashMap<>();

    /** When each message was accepted (System.nanoTime), in count-only mode too. */
    private final Queue<Long> acceptedAt = new ConcurrentLinkedQueue<>();

    private volatile boolean countOnly;

    private volatile long delayPerMessageMillis;

    private final Map<String, String> replyAlways = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> replyOnceCounts = new ConcurrentHashMap<>();

    private final Map<String, String> replyOnce = new ConcurrentHashMap<>();

    private final Map<String, Boolean> dropDuringData = new ConcurrentHashMap<>();

    private final Map<String, Boolean> stallAfterData = new ConcurrentHashMap<>();

    private final Map<String, Boolean> stopReadingAtData = new ConcurrentHashMap<>();

    private volatile CountDownLatch resumeReading = new CountDownLatch(1);

    private final Map<String, Boolean> closeAfterAccepting = new ConcurrentHashMap<>();

    private final Map<String, Hold> holdAfterData = new ConcurrentHashMap<>();

    private final Map<String, String> endOfDataReply = new ConcurrentHashMap<>();

    private final AtomicInteger connections = new AtomicInteger();

    private volatile boolean pipelining = true;

    private volatile Login login;

    private volatile boolean shuttingDown;

    private static final char[] TLS_PASSWORD = "changeit".toCharArray();

    private final java.util.Set<Socket> sessions = ConcurrentHashMap.newKeySet();

    private final AtomicInteger pipelinedUnasked = new AtomicInteger();

    private TestSmtpServer() {
        try {
            this.serverSocket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            this.port = serverSocket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        acceptLoop(serverSocket);
    }

    /** When each message was accepted, as System.nanoTime, in order. */
    public List<Long> acceptedAtNanos() {
        return acceptedAt.stream().sorted().toList();
    }

    public static TestSmtpServer shared() {
        return SHARED;
    }

    /** A server of its own, for a second relay; lives as long as the test JVM. */
    public static TestSmtpServer another() {
        return new TestSmtpServer();
    }

    public int port() {
        return port;
    }

    /**
     * Forgets what it received and every scripted answer; closes every open session (a
     * client's pooled connections find out at their next command, as after a server's
     * restart) and accepts connections again.
     */
    public synchronized void reset() {
        resumeReading.countDown();
        resumeReading = new CountDownLatch(1);
        stopReadingAtData.clear();
        closeSessions();
        received.clear();
        countsByMessageId.clear();
        acceptedAt.clear();
        countOnly = false;
        delayPerMessageMillis = 0;
        replyAlways.clear();
        replyOnce.clear();
        replyOnceCounts.clear();
        dropDuringData.clear();
        stallAfterData.clear();
        closeAfterAccepting.clear();
        holdAfterData.values().forEach(Hold::release);
        holdAfterData.clear();
        endOfDataReply.clear();
        connections.set(0);
        pipelining = true;
        login = null;
        pipelinedUnasked.set(0);
        acceptConnections();
    }

    /** Waits this long before accepting each message: a slow server, for long runs. */
    public void delayPerMessage(java.time.Duration delay) {
        delayPerMessageMillis = delay.toMillis();
    }

    /**
     * Offers STARTTLS and, once encrypted, AUTH PLAIN for this user; refuses MAIL without
     * it. Off after {@link #reset()}.
     */
    public void requireLogin(String user, String password) {
        login = new Login(user, password);
    }

    private record Login(String user, String password) {
    }

    /**
     * Whether EHLO offers PIPELINING (RFC 2920); on after {@link #reset()}. While off,
     * every command that arrives before the reply to the previous one is counted.
     */
    public void pipelining(boolean offered) {
        pipelining = offered;
    }

    /**
     * Commands (and ends of data) a client sent without waiting for the previous reply
     * while PIPELINING was not offered.
     */
    public int pipelinedUnasked() {
        return pipelinedUnasked.get();
    }

    /** Keeps no message, only counts them by Message-ID: for benchmarks. */
    public void countOnly() {
        countOnly = true;
    }

    /**
     * Answers RCPT TO for this recipient with {@code reply} (e.g. "550 5.1.1 no such
     * user"), every time.
     */
    public void replyAlways(String recipient, String reply) {
        replyAlways.put(recipient.toLowerCase(), reply);
    }

    /** Answers RCPT TO for this recipient with {@code reply} the first time only. */
    public void replyOnce(String recipient, String reply) {
        replyOnce.put(recipient.toLowerCase(), reply);
        replyOnceCounts.put(recipient.toLowerCase(), new AtomicInteger());
    }

    /**
     * Closes the connection after reading this recipient's message, before answering it.
     */
    public void dropAfterData(String recipient) {
        dropDuringData.put(recipient.toLowerCase(), true);
    }

    /**
     * Reads this recipient's message and then never answers it, holding the connection
     * open until the client gives up: a server that stalls mid-DATA.
     */
    public void stallAfterData(String recipient) {
        stallAfterData.put(recipient.toLowerCase(), true);
    }

    /**
     * Answers this recipient's DATA with 354, then reads nothing more until
     * {@link #reset()}: the client's write of a large message blocks once the socket's
     * buffers are full.
     */
    public void stopReadingAtData(String recipient) {
        stopReadingAtData.put(recipient.toLowerCase(), true);
    }

    /**
     * Accepts this recipient's message, then closes the connection, like a server's idle
     * timeout.
     */
    public void closeAfterAccepting(String recipient) {
        closeAfterAccepting.put(recipient.toLowerCase(), true);
    }

    /**
     * Reads this recipient's message and holds its end-of-data reply until the hold is
     * released: a sender paused with a message on the wire. The message counts as
     * received once answered.
     */
    public Hold holdAfterData(String recipient) {
        Hold hold = new Hold(new CountDownLatch(1), new CountDownLatch(1));
        holdAfterData.put(recipient.toLowerCase(), hold);
        return hold;
    }

    /**
     * Accepts this recipient's message with {@code reply} (say "251 2.0.0 queued")
     * instead of 250.
     */
    public void endOfDataReply(String recipient, String reply) {
        endOfDataReply.put(recipient.toLowerCase(), reply);
    }

    /**
     * A message held after its data: {@code arrived} opens when it is held,
     * {@link #release()} answers it.
     */
    public record Hold(CountDownLatch arrived, CountDownLatch released) {

        public void release() {
            released.countDown();
        }

        public boolean awaitArrival(java.time.Duration timeout) throws InterruptedException {
            return arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

    }

    /**
     * Closes the listening socket: connections are refused until
     * {@link #acceptConnections()}; open sessions answer their next command with 421 and
     * close, as a server shutting down does.
     */
    public synchronized void refuseConnections() {
        try {
            serverSocket.close();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        shuttingDown = true;
    }

    /**
     * Closes every open session at once, as a server's idle timeout or restart would; a
     * client finds out at its next command.
     */
    public void closeSessions() {
        for (Socket session : sessions) {
            try {
                session.close();
            }
            catch (IOException ex) {
                // Already gone.
            }
        }
        sessions.clear();
    }

    public synchronized void acceptConnections() {
        shuttingDown = false;
        if (!serverSocket.isClosed()) {
            return;
        }
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            serverSocket = socket;
            acceptLoop(socket);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** How many times each Message-ID arrived. */
    public Map<String, Long> countByMessageId() {
        return countsByMessageId.entrySet()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, (entry) -> (long) entry.getValue().get()));
    }

    /** Messages received per recipient. */
    public Map<String, Long> countByRecipient() {
        return received().stream().collect(Collectors.groupingBy(Received::recipient, Collectors.counting()));
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop(ServerSocket socket) {
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    sessions.add(client);
                    connections.incrementAndGet();
                    Thread session = new Thread(() -> serve(client), "test-smtp-session");
                    session.setDaemon(true);
                    session.start();
                }
                catch (IOException ex) {
                    // Closed by refuseConnections().
                }
            }
        }, "test-smtp-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket accepted) {
        Socket client = accepted;
        try {
            client.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = client.getOutputStream();
            write(out, "220 test-smtp ready");
            String recipient = null;
            boolean recipientAccepted = false;
            boolean offered = pipelining;
            Login login = this.login;
            boolean tls = false;
            String user = null;
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.toUpperCase();
                if (!offered && in.ready()) {
                    pipelinedUnasked.incrementAndGet();
                }
                if (shuttingDown) {
                    write(out, "421 4.3.2 service shutting down");
                    return;
                }
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    StringBuilder reply = new StringBuilder("250-test-smtp\r\n");
                    reply.append(offered ? "250-PIPELINING\r\n" : "");
                    reply.append((login != null && !tls) ? "250-STARTTLS\r\n" : "");
                    reply.append((login != null && tls) ? "250-AUTH PLAIN LOGIN\r\n" : "");
                    write(out, reply.append("250 8BITMIME").toString());
                }
                else if (command.equals("STARTTLS") && login != null && !tls) {
                    write(out, "220 2.0.0 ready to start TLS");
                    SSLSocket secured = (SSLSocket) tlsContext().getSocketFactory()
                        .createSocket(client, null, client.getPort(), true);
                    secured.setUseClientMode(false);
                    secured.startHandshake();
                    sessions.add(secured);
                    client = secured;
                    in = new BufferedReader(
                            new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
                    out = client.getOutputStream();
                    tls = true;
                }
                else if (command.startsWith("AUTH PLAIN ") && login != null && tls) {
                    String[] parts = new String(Base64.getDecoder().decode(line.substring(11).strip()),
                            StandardCharsets.UTF_8)
                        .split("\0", -1);
                    boolean valid = parts.length == 3 && parts[1].equals(login.user())
                            && parts[2].equals(login.password());
                    user = valid ? parts[1] : null;
                    write(out, valid ? "235 2.7.0 authenticated" : "535 5.7.8 authentication credentials invalid");
                }
                else if (command.startsWith("MAIL FROM") && login != null && user == null) {
                    write(out, "530 5.7.0 authentication required");
                }
                else if (command.startsWith("MAIL FROM") || command.equals("RSET")) {
                    recipient = null;
                    recipientAccepted = false;
                    write(out, command.equals("RSET") ? "250 2.0.0 reset" : "250 2.1.0 ok");
                }
                else if (command.startsWith("RCPT TO")) {
                    recipient = address(line);
                    String reply = rcptReply(recipient);
                    recipientAccepted |= reply.startsWith("2");
                    write(out, reply);
                }
                else if (command.equals("DATA") && !recipientAccepted) {
                    write(out, "554 5.5.1 no valid recipients");
                }
                else if (command.equals("DATA")) {
                    write(out, "354 end with <CRLF>.<CRLF>");
                    recipientAccepted = false;
                    if (recipient != null && stopReadingAtData.containsKey(recipient)) {
                        try {
                            resumeReading.await();
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                        return;
                    }
                    String message = readData(in);
                    if (message == null) {
                        // The client went away before the end of data: like any server,
                        // drop the part.
                        return;
                    }
                    if (recipient != null && dropDuringData.containsKey(recipient)) {
                        return;
                    }
                    if (recipient != null && stallAfterData.containsKey(recipient)) {
                        while (in.readLine() != null) {
                            // Silent until the client closes the connection.
                        }
                        return;
                    }
                    Hold hold = (recipient != null) ? holdAfterData.get(recipient) : null;
                    if (hold != null) {
                        hold.arrived().countDown();
                        try {
                            hold.released().await();
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    if (delayPerMessageMillis > 0) {
                        // The server under test is slow on purpose (a long run to stop);
                        // no test waits here.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayPerMessageMillis));
                    }
                    if (!offered && in.ready()) {
                        pipelinedUnasked.incrementAndGet();
                    }
                    String messageId = header(message, "Message-ID");
                    countsByMessageId.computeIfAbsent(String.valueOf(messageId), (id) -> new AtomicInteger())
                        .incrementAndGet();
                    acceptedAt.add(System.nanoTime());
                    if (!countOnly) {
                        received.add(new Received(recipient, messageId, message, tls, user));
                    }
                    write(out, (recipient != null) ? endOfDataReply.getOrDefault(recipient, "250 2.0.0 queued")
                            : "250 2.0.0 queued");
                    if (recipient != null && closeAfterAccepting.containsKey(recipient)) {
                        return;
                    }
                }
                else if (command.equals("QUIT")) {
                    write(out, "221 bye");
                    return;
                }
                else {
                    write(out, "250 ok");
                }
            }
        }
        catch (IOException ex) {
            // The client went away.
        }
        finally {
            try {
                client.close();
            }
            catch (IOException ex) {
                // Gone already.
            }
            sessions.remove(accepted);
            sessions.remove(client);
        }
    }

    /** The certificate GreenMail ships for its own TLS tests, as this server's key. */
    private static SSLContext tlsContext() throws IOException {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(new DummySSLServerSocketFactory().getKeyStore(), TLS_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        }
        catch (GeneralSecurityException ex) {
            throw new IOException(ex);
        }
    }

    /**
     * A client that trusts this server's certificate, and nothing else: the chain is
     * verified, not waved through.
     */
    public static SSLSocketFactory trustingClient() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(new DummySSLServerSocketFactory().getKeyStore());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private String rcptReply(String recipient) {
        String always = replyAlways.get(recipient);
        if (always != null) {
            return always;
        }
        String once = replyOnce.get(recipient);
        if (once != null && replyOnceCounts.get(recipient).getAndIncrement() == 0) {
            return once;
        }
        return "250 2.1.5 ok";
    }

    /**
     * The message up to its end-of-data line, or null when the connection ended first.
     */
    private static String readData(BufferedReader in) throws IOException {
        StringBuilder message = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.equals(".")) {
                return message.toString();
            }
            message.append(line.startsWith("..") ? line.substring(1) : line).append("\r\n");
        }
        return null;
    }

    private static String address(String line) {
        int start = line.indexOf('<');
        int end = line.indexOf('>');
        return ((start >= 0 && end > start) ? line.substring(start + 1, end) : line.substring(line.indexOf(':') + 1))
            .strip()
            .toLowerCase();
    }

    private static String header(String message, String name) {
        for (String line : message.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    private static void write(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /**
     * One accepted message, and whether its session was encrypted and who had logged in.
     */
    public record Received(String recipient, String messageId, String raw, boolean tls, String user) {

        public MimeMessage parse() {
            try {
                return new MimeMessage(Session.getInstance(new java.util.Properties()),
                        new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)));
            }
            catch (MessagingException ex) {
                throw new IllegalStateException(ex);
            }
        }

        public String header(String name) {
            return TestSmtpServer.header(raw, name);
        }

    }

}
