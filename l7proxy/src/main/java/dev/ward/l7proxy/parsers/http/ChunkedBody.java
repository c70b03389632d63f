package dev.ward.l7proxy.parsers.http;

import dev.ward.l7proxy.parser.Op;

import java.nio.ByteBuffer;

/**
 * Walks a chunked body (RFC 9112 section 7.1) and passes or drops it piece by piece: each size line with its data
 * (streamed by the proxy, never held), the CRLF after the data, and the trailer section. Anything else ends the
 * connection, since a chunk boundary read differently from the server is how requests are smuggled.
 */
final class ChunkedBody {
    private static final int MAX_LINE = 4096;

    private enum State { SIZE, DATA_END, TRAILER, DONE }

    private final boolean pass;
    private State state = State.SIZE;

    ChunkedBody(boolean pass) {
        this.pass = pass;
    }

    boolean done() {
        return state == State.DONE;
    }

    Op next(ByteBuffer data) {
        return switch (state) {
            case SIZE -> size(data);
            case DATA_END -> dataEnd(data);
            case TRAILER -> trailer(data);
            case DONE -> throw new IllegalStateException("chunked body already complete");
        };
    }

    private Op size(ByteBuffer data) {
        int line = lineLength(data);
        if (line == -2) return Op.error("bare LF in a chunk size line");
        if (line < 0) return data.remaining() > MAX_LINE ? Op.error("chunk size line longer than " + MAX_LINE) : Op.more(1);
        int p = data.position();
        long size = 0;
        int digits = 0;
        int i = p;
        for (; i < p + line - 2; i++) {
            int d = Character.digit(data.get(i), 16);
            if (d < 0) break;
            if (++digits > 15) return Op.error("chunk size with more than 15 hex digits");
            size = size * 16 + d;
        }
        if (digits == 0) return Op.error("chunk size line without a size");
        if (i < p + line - 2 && data.get(i) != ';') return Op.error("chunk size followed by '" + (char) data.get(i) + "'");
        if (size == 0) {
            state = State.TRAILER;
            return emit(line);
        }
        state = State.DATA_END;
        return emit(line + size);
    }

    private Op dataEnd(ByteBuffer data) {
        if (data.remaining() < 2) return Op.more(2 - data.remaining());
        if (data.get(data.position()) != '\r' || data.get(data.position() + 1) != '\n') {
            return Op.error("chunk data not followed by CRLF");
        }
        state = State.SIZE;
        return emit(2);
    }

    private Op trailer(ByteBuffer data) {
        int line = lineLength(data);
        if (line == -2) return Op.error("bare LF in the trailer");
        if (line < 0) return data.remaining() > MAX_LINE ? Op.error("trailer line longer than " + MAX_LINE) : Op.more(1);
        if (line == 2) state = State.DONE;
        else if (data.get(data.position()) == ' ' || data.get(data.position()) == '\t') return Op.error("folded trailer line");
        return emit(line);
    }

    private Op emit(long n) {
        return pass ? Op.pass(n) : Op.drop(n);
    }

    /** Bytes up to and including the first CRLF; -1 when none yet. -2 for a bare LF. */
    static int lineLength(ByteBuffer data) {
        int start = data.position();
        for (int i = start; i < data.limit(); i++) {
            byte b = data.get(i);
            if (b == '\n') return i > start && data.get(i - 1) == '\r' ? i - start + 1 : -2;
        }
        return -1;
    }
}
