package dev.ward.agentapi;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Lines of UTF-8 over a stream channel: the protocol's framing, with the line length bounded. */
final class LineChannel {
    private final ByteChannel channel;
    private final int maxLineBytes;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private byte[] line = new byte[256];
    private int lineLength;

    LineChannel(ByteChannel channel, int maxLineBytes) {
        this.channel = channel;
        this.maxLineBytes = maxLineBytes;
        in.flip();
    }

    /** The next line without its {@code \n}; null at a clean end of stream (between lines). */
    String readLine() throws IOException, ApiProtocolException {
        lineLength = 0;
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') return new String(line, 0, lineLength, StandardCharsets.UTF_8);
                if (lineLength == maxLineBytes) {
                    throw new ApiProtocolException(ApiError.INVALID_REQUEST, "a message is longer than " + maxLineBytes + " bytes");
                }
                if (lineLength == line.length) line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
                line[lineLength++] = b;
            }
            in.clear();
            int n = channel.read(in);
            in.flip();
            if (n < 0) {
                if (lineLength == 0) return null;
                throw new EOFException("the peer closed the connection in the middle of a message");
            }
        }
    }

    void writeLine(String text) throws IOException {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) channel.write(out);
    }
}
