package io.flowbatch.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback in front of PostgreSQL or Redis, for the faults the real
 * servers cannot be asked for on a shared machine. It can hold every piece of data for
 * half a round-trip time in each direction (a local server then answers like one across a
 * network: the benchmark), and it can {@link #cut()} every connection and refuse new ones
 * until {@link #heal()}, which is what a client sees of a server that was killed or
 * restarted (the fault suite).
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;

    private final String targetHost;

    private final int targetPort;

    private final long halfRoundTripNanos;

    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private volatile boolean down;

    private final AtomicInteger refused = new AtomicInteger();

    public TcpProxy(String targetHost, int targetPort, double roundTripMillis) throws IOException {
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.halfRoundTripNanos = (long) (roundTripMillis * 1_000_000 / 2);
        Thread acceptor = new Thread(this::accept, "tcp-proxy-" + targetPort);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Drops every connection and refuses new ones (they are accepted and closed at once).
     */
    public void cut() {
        down = true;
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    /** Connections refused while cut: how often a client has tried to come back. */
    public int refused() {
        return refused.get();
    }

    /** Lets connections through again. */
    public void heal() {
        down = false;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (down) {
                    refused.incrementAndGet();
                    closeQuietly(client);
                    continue;
                }
                Socket target = new Socket();
                target.connect(new InetSocketAddress(targetHost, targetPort));
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                open.add(client);
                open.add(target);
                pump(client, target);
                pump(target, client);
            }
            catch (IOException ex) {
                // Closed, or the target refused: the client sees its connection fail.
            }
        }
    }

    /**
     * Forwards one direction. With a round trip set, each piece read is due half a round
     * trip after it arrived and a second thread writes it then: data in flight overlaps,
     * as on a network, instead of every piece waiting for the one before it.
     */
    private void pump(Socket from, Socket to) {
        BlockingQueue<Piece> inFlight = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (halfRoundTripNanos <= 0) {
                        out.write(buffer, 0, read);
                        out.flush();
                    }
                    else {
                        inFlight.add(new Piece(Arrays.copyOf(buffer, read), System.nanoTime() + halfRoundTripNanos));
                    }
                }
            }
            catch (IOException ex) {
                // One side went away; closing both ends lets the other pump finish.
            }
            finally {
                inFlight.add(Piece.END);
                if (halfRoundTripNanos <= 0) {
                    close(from, to);
                }
            }
        }, "tcp-proxy-pump");
        reader.setDaemon(true);
        reader.start();
        if (halfRoundTripNanos <= 0) {
            return;
        }
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = to.getOutputStream();
                for (Piece piece = inFlight.take(); piece != Piece.END; piece = inFlight.take()) {
                    long wait = piece.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(piece.bytes());
                    out.flush();
                }
            }
            catch (IOException ex) {
                // The receiving side went away.
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            finally {
                close(from, to);
            }
        }, "tcp-proxy-delay");
        writer.setDaemon(true);
        writer.start();
    }

    private void close(Socket from, Socket to) {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
    }

    /** Bytes read, and when they are due at the other end. */
    private record Piece(byte[] bytes, long dueNanos) {

        static final Piece END = new Piece(new byte[0], 0);

    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        }
        catch (IOException ex) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        cut();
        server.close();
    }

}
