package dev.ward.agentapi;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The agent's answers to one streaming request, read one at a time. Closing it (from any thread, e.g. at a deadline)
 * ends the request: a {@link #next} blocked in another thread then returns null.
 */
public final class AgentStream implements AutoCloseable {
    private final Path socket;
    private final String op;
    private final SocketChannel channel;
    private final LineChannel lines;
    private volatile boolean closed;

    AgentStream(Path socket, String op, SocketChannel channel, LineChannel lines) {
        this.socket = socket;
        this.op = op;
        this.channel = channel;
        this.lines = lines;
    }

    /**
     * The next answer, waiting for it as long as it takes; null once this stream was closed. An agent that closes
     * the connection without a final answer is an error naming the socket.
     */
    public ApiResponse next() throws IOException, ApiProtocolException {
        String line;
        try {
            line = lines.readLine();
        } catch (AsynchronousCloseException e) {
            return null;
        } catch (IOException e) {
            if (closed) return null;
            throw e;
        }
        if (line == null) {
            if (closed) return null;
            throw new IOException("the agent at " + socket + " closed the connection without a final answer to " + op);
        }
        return ApiCodec.decodeResponse(line);
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing to end the request: nothing left to do with a failure
        }
    }
}
