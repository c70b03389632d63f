package dev.ward.agentapi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The agent's side of the socket: accepts connections, reads each one's request, hands it to the {@link Handler} on
 * a virtual thread of its own (an ADD waits there for the datapath), and closes the connection after the final
 * answer. The socket file is created mode 0600: only root (the container runtime running the CNI plugin, an
 * operator's wardctl) may connect.
 */
public final class AgentApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentApiServer.class);

    /** Serves one request: sends any interim answers, then exactly one final answer. */
    public interface Handler {
        void handle(ApiRequest request, Responder responder) throws Exception;
    }

    /** Writes answers to the client of one request; a client that went away makes it throw. */
    public interface Responder {
        void send(ApiResponse response) throws IOException;

        /**
         * Completes when the client closes its end: how a stream that may stay silent for long (a flow follow)
         * learns its client is gone without writing to it. A client sends nothing after its request.
         */
        CompletableFuture<Void> clientClosed();
    }

    /**
     * @param requestTimeout how long a client may take to send its request after connecting
     * @param maxClients     connections served at once; beyond it a client is answered {@link ApiError#UNAVAILABLE}
     */
    public record Settings(Duration requestTimeout, int maxClients) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(10), 256);
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final Settings settings;
    private final Semaphore clients;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ward-api-deadline");
        t.setDaemon(true);
        return t;
    });
    private final Thread acceptor;
    private volatile boolean closed;

    private AgentApiServer(Path socket, ServerSocketChannel server, Handler handler, Settings settings) {
        this.socket = socket;
        this.server = server;
        this.handler = handler;
        this.settings = settings;
        this.clients = new Semaphore(settings.maxClients());
        this.acceptor = Thread.ofPlatform().daemon().name("ward-api-accept").unstarted(this::acceptLoop);
    }

    /**
     * Listens on {@code socket}. A socket file left by a process that is gone is replaced; one that a live process
     * still answers on is refused, so two agents never share one node's socket.
     */
    public static AgentApiServer start(Path socket, Handler handler, Settings settings) throws IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (Files.exists(socket)) {
            if (answers(socket)) throw new IOException("another process serves " + socket + " (is another agent running on this node?)");
            Files.delete(socket);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
        AgentApiServer s = new AgentApiServer(socket, server, handler, settings);
        s.acceptor.start();
        return s;
    }

    public Path socket() {
        return socket;
    }

    private static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) return;
                LOG.warn("accepting on {} failed: {}", socket, e.toString());
                continue;
            }
            if (!clients.tryAcquire()) {
                Thread.ofVirtual().start(() -> refuse(c, ApiError.UNAVAILABLE, "the agent serves " + settings.maxClients()
                        + " clients already; try again"));
                continue;
            }
            open.add(c);
            Thread.ofVirtual().name("ward-api-client").start(() -> {
                try {
                    serve(c);
                } finally {
                    open.remove(c);
                    clients.release();
                }
            });
        }
    }

    private void serve(SocketChannel c) {
        ApiRequest request;
        LineChannel lines = new LineChannel(c, ApiProtocol.MAX_LINE_BYTES);
        ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(c), settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            String line = lines.readLine();
            deadline.cancel(false);
            if (line == null) {
                closeQuietly(c);
                return;
            }
            request = ApiCodec.decodeRequest(line);
        } catch (ApiProtocolException e) {
            deadline.cancel(false);
            boolean version = e.code().equals(ApiError.UNSUPPORTED_VERSION);
            answerAndClose(c, lines, new ApiResponse.Failure(e.code(), e.getMessage(), version ? ApiProtocol.SUPPORTED_VERSIONS : null));
            return;
        } catch (IOException e) {
            deadline.cancel(false);
            LOG.debug("a client of {} sent no request: {}", socket, e.toString());
            closeQuietly(c);
            return;
        }
        FinalOnce responder = new FinalOnce(c, lines);
        try {
            handler.handle(request, responder);
            // A stream whose client left ends without a final answer: there is nobody to give it to.
            if (!responder.finished && !responder.clientGone()) {
                responder.send(new ApiResponse.Failure(ApiError.INTERNAL, "the agent gave no answer to " + request.op()));
            }
        } catch (IOException e) {
            LOG.info("the client of {} went away before its answer: {}", request.op(), e.toString());
        } catch (Exception | Error e) {
            LOG.error("serving {} failed", request.op(), e);
            if (!responder.finished) {
                try {
                    responder.send(new ApiResponse.Failure(ApiError.INTERNAL, "the agent failed serving " + request.op() + ": " + e));
                } catch (IOException ignored) {
                    // the client is gone too
                }
            }
        } finally {
            closeQuietly(c);
        }
    }

    /** Refuses to write past the final answer: a handler bug must not put two final answers on one connection. */
    private static final class FinalOnce implements Responder {
        private final SocketChannel channel;
        private final LineChannel lines;
        private boolean finished;
        private CompletableFuture<Void> closed;

        FinalOnce(SocketChannel channel, LineChannel lines) {
            this.channel = channel;
            this.lines = lines;
        }

        synchronized boolean clientGone() {
            return closed != null && closed.isDone();
        }

        @Override
        public synchronized CompletableFuture<Void> clientClosed() {
            if (closed == null) {
                closed = new CompletableFuture<>();
                CompletableFuture<Void> done = closed;
                // The request was read whole, so this thread is the channel's only reader from here on.
                Thread.ofVirtual().name("ward-api-client-eof").start(() -> {
                    ByteBuffer sink = ByteBuffer.allocate(256);
                    try {
                        while (channel.read(sink) >= 0) sink.clear();
                    } catch (IOException e) {
                        // closed under us (the answer is done) or reset by the client: gone either way
                    }
                    done.complete(null);
                });
            }
            return closed;
        }

        @Override
        public synchronized void send(ApiResponse response) throws IOException {
            if (finished) throw new IllegalStateException("a final answer was sent already; not sending " + response.status());
            lines.writeLine(ApiCodec.encode(response));
            finished = response.isFinal();
        }
    }

    private static void refuse(SocketChannel c, String code, String message) {
        answerAndClose(c, new LineChannel(c, ApiProtocol.MAX_LINE_BYTES), new ApiResponse.Failure(code, message));
    }

    private static void answerAndClose(SocketChannel c, LineChannel lines, ApiResponse r) {
        try {
            lines.writeLine(ApiCodec.encode(r));
        } catch (IOException e) {
            LOG.debug("could not answer a client: {}", e.toString());
        } finally {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to do about a close that failed
        }
    }

    /** Stops accepting, cuts the open connections and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("closing {} failed: {}", socket, e.toString());
        }
        open.forEach(AgentApiServer::closeQuietly);
        deadlines.shutdownNow();
        try {
            acceptor.join(5000);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", socket, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
