package dev.ward.l7proxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A small blocking TCP server in a lab namespace, for protocols no packaged server speaks (r2d2) and for servers
 * that must misbehave on purpose (read slowly). One platform thread per connection.
 */
public final class SocketServer implements AutoCloseable {
    @FunctionalInterface
    public interface Handler {
        void handle(Socket socket) throws IOException;
    }

    private final ServerSocket listener;
    private final List<Socket> open = new ArrayList<>();
    private volatile boolean closed;

    private SocketServer(ServerSocket listener) {
        this.listener = listener;
    }

    public static SocketServer start(TransparentLab lab, String namespace, String ip, int port, Handler handler) {
        ServerSocket ss = lab.callIn(namespace, () -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(ip, port), 128);
            return s;
        });
        SocketServer server = new SocketServer(ss);
        Thread.ofPlatform().daemon().name("lab-server-" + port).start(() -> server.acceptLoop(handler));
        return server;
    }

    private void acceptLoop(Handler handler) {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return;
            }
            synchronized (open) {
                open.add(s);
            }
            Thread.ofPlatform().daemon().name("lab-conn").start(() -> {
                try (s) {
                    handler.handle(s);
                } catch (IOException ignored) {
                    // the client went away: the test sees that on its side
                }
            });
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        synchronized (open) {
            for (Socket s : open) s.close();
        }
    }
}
