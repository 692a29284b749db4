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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

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

    private volatile boolean countOnly;

    private volatile long delayPerMessageMillis;

    private final Map<String, String> replyAlways = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> replyOnceCounts = new ConcurrentHashMap<>();

    private final Map<String, String> replyOnce = new ConcurrentHashMap<>();

    private final Map<String, Boolean> dropDuringData = new ConcurrentHashMap<>();

    private final Map<String, Boolean> stallAfterData = new ConcurrentHashMap<>();

    private final Map<String, Boolean> closeAfterAccepting = new ConcurrentHashMap<>();

    private final Map<String, Hold> holdAfterData = new ConcurrentHashMap<>();

    private final Map<String, String> endOfDataReply = new ConcurrentHashMap<>();

    private final AtomicInteger connections = new AtomicInteger();

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

    public static TestSmtpServer shared() {
        return SHARED;
    }

    public int port() {
        return port;
    }

    /** Forgets what it received and every scripted answer; accepts connections again. */
    public synchronized void reset() {
        received.clear();
        countsByMessageId.clear();
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
        acceptConnections();
    }

    /** Waits this long before accepting each message: a slow server, for long runs. */
    public void delayPerMessage(java.time.Duration delay) {
        delayPerMessageMillis = delay.toMillis();
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
     * {@link #acceptConnections()}.
     */
    public synchronized void refuseConnections() {
        try {
            serverSocket.close();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public synchronized void acceptConnections() {
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

    public int connections() {
        return connections.get();
    }

    private void acceptLoop(ServerSocket socket) {
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
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

    private void serve(Socket client) {
        try (client;
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
                OutputStream out = client.getOutputStream()) {
            client.setTcpNoDelay(true);
            write(out, "220 test-smtp ready");
            String recipient = null;
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.toUpperCase();
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    write(out, "250-test-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8");
                }
                else if (command.startsWith("MAIL FROM")) {
                    recipient = null;
                    write(out, "250 2.1.0 ok");
                }
                else if (command.startsWith("RCPT TO")) {
                    recipient = address(line);
                    write(out, rcptReply(recipient));
                }
                else if (command.equals("DATA")) {
                    write(out, "354 end with <CRLF>.<CRLF>");
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
                    String messageId = header(message, "Message-ID");
                    countsByMessageId.computeIfAbsent(String.valueOf(messageId), (id) -> new AtomicInteger())
                        .incrementAndGet();
                    if (!countOnly) {
                        received.add(new Received(recipient, messageId, message));
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

    /** One accepted message. */
    public record Received(String recipient, String messageId, String raw) {

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
