package io.flowbatch.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that holds every piece of data for half the given round-trip time in
 * each direction: a local PostgreSQL or Redis then answers like one across a network.
 */
final class LatencyProxy implements AutoCloseable {

    private final ServerSocket server;

    private final String targetHost;

    private final int targetPort;

    private final long halfRoundTripNanos;

    LatencyProxy(String targetHost, int targetPort, double roundTripMillis) throws IOException {
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.halfRoundTripNanos = (long) (roundTripMillis * 1_000_000 / 2);
        Thread acceptor = new Thread(this::accept, "latency-proxy-" + targetPort);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket target = new Socket();
                target.connect(new InetSocketAddress(targetHost, targetPort));
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                pump(client, target);
                pump(target, client);
            }
            catch (IOException ex) {
                // Closed, or the target refused: the client sees its connection fail.
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    LockSupport.parkNanos(halfRoundTripNanos);
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
            catch (IOException ex) {
                // One side went away; closing both ends lets the other pump finish.
            }
            finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "latency-pump");
        pump.setDaemon(true);
        pump.start();
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
        server.close();
    }

}
