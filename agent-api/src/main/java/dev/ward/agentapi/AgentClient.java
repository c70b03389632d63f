package dev.ward.agentapi;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** Asks the local agent one thing per call over its Unix socket: the CNI plugin's and wardctl's side of the API. */
public final class AgentClient {
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ward-agent-client-deadline");
        t.setDaemon(true);
        return t;
    });

    private final Path socket;
    private final Duration timeout;

    /** @param timeout how long one call may take in all, from connecting to the final answer */
    public AgentClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    /**
     * Sends {@code request} and returns the agent's final answer (a {@link ApiResponse.Failure} is returned, not
     * thrown); interim answers go to {@code interim} as they arrive.
     */
    public ApiResponse call(ApiRequest request, Consumer<ApiResponse> interim)
            throws AgentUnreachableException, AgentTimeoutException, ApiProtocolException, IOException {
        SocketChannel channel = connect();
        AtomicBoolean expired = new AtomicBoolean();
        // A blocking read has no timeout of its own: closing the channel at the deadline ends it.
        ScheduledFuture<?> deadline = DEADLINES.schedule(() -> {
            expired.set(true);
            closeQuietly(channel);
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        ApiResponse last = null;
        try (channel) {
            LineChannel lines = new LineChannel(channel, ApiProtocol.MAX_LINE_BYTES);
            IOException unsent = null;
            try {
                lines.writeLine(ApiCodec.encode(request));
            } catch (IOException e) {
                // A server that turns clients away (too many) answers on accept and closes, maybe before our write:
                // its answer is still there to read.
                if (expired.get()) throw e;
                unsent = e;
            }
            while (true) {
                String line = lines.readLine();
                if (line == null) {
                    if (unsent != null) throw unsent;
                    throw new IOException("the agent closed the connection without a final answer to " + request.op()
                            + (last == null ? "" : " (its last answer: " + last.status() + ")"));
                }
                ApiResponse r = ApiCodec.decodeResponse(line);
                if (r.isFinal()) return r;
                last = r;
                interim.accept(r);
            }
        } catch (IOException e) {
            if (expired.get() || e instanceof AsynchronousCloseException) {
                throw new AgentTimeoutException("the agent at " + socket + " gave no final answer to " + request.op() + " within "
                        + timeout.toMillis() + " ms" + (last == null ? "" : " (its last answer: " + last.status() + ")"), last);
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    private SocketChannel connect() throws AgentUnreachableException, IOException {
        if (!Files.exists(socket)) throw new AgentUnreachableException(socket, "no such socket", null);
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new AgentUnreachableException(socket, e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing to unblock or give up: nothing left to do with a failure
        }
    }
}
