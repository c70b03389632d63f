package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.Side;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;

/**
 * Applies a parser's ops to a connection's two streams. Knows nothing of sockets: bytes come in through
 * {@link #received}, and what to forward, inject, pause or close goes out through {@link Output}, so the same
 * code runs under netty and in byte-level tests.
 *
 * <p>Memory per stream is bounded: unparsed bytes are held up to the parser's limit (a message that does not fit
 * closes the connection), and bytes a parser passed or dropped beyond what it was shown stream through without
 * being held. A parser that throws, asks for more than the limit, or answers without making progress closes the
 * connection; nothing it was not shown is ever forwarded.
 */
public final class ParserDriver {
    /** Answers in a row that neither consume input nor wait for it, before the parser counts as looping. */
    static final int MAX_ANSWERS_WITHOUT_PROGRESS = 64;
    /** Bytes a parser may inject while handling one batch of input. */
    static final int MAX_INJECTED_PER_RUN = 1 << 20;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    /** Where the driver's decisions go. Every call happens on the driver's thread. */
    public interface Output {
        /** Send {@code bytes} of stream {@code side} on to its destination (REQUEST: the server). Takes ownership. */
        void forward(Side side, ByteBuf bytes);

        /** Send parser-made bytes on stream {@code side} (REPLY: to the client). Takes ownership. */
        void inject(Side side, ByteBuf bytes);

        /** Stop or resume reading stream {@code side}: its parser waits for the other stream to progress. */
        void stall(Side side, boolean stalled);

        /** Stream {@code side} ended and everything in it was handled: half-close its destination. */
        void finished(Side side);

        /** Close the connection. */
        void fail(ErrorKind kind, String reason);
    }

    private final L7Parser parser;
    private final int maxBuffered;
    private final Output out;
    private final Stream request = new Stream(Side.REQUEST);
    private final Stream reply = new Stream(Side.REPLY);
    private boolean failed;
    private boolean closed;

    public ParserDriver(L7Parser parser, int maxBuffered, Output out) {
        this.parser = parser;
        this.maxBuffered = maxBuffered;
        this.out = out;
    }

    private static final class Stream {
        final Side side;
        ByteBuf buffered;
        long passOwed;
        long dropOwed;
        /** Unparsed bytes needed before the parser is asked again. */
        long need;
        boolean ended;
        boolean finished;
        boolean stalled;
        /** Whether any byte of the stream was passed or dropped yet. */
        boolean consumedAny;

        Stream(Side side) {
            this.side = side;
        }

        int readable() {
            return buffered == null ? 0 : buffered.readableBytes();
        }
    }

    private Stream stream(Side side) {
        return side == Side.REQUEST ? request : reply;
    }

    public boolean failed() {
        return failed;
    }

    /** Bytes of {@code side} held unparsed now (what the memory bound applies to). */
    public int buffered(Side side) {
        return stream(side).readable();
    }

    /**
     * Whether the request stream waits for the client: no request was handled yet, or the parser holds the start of
     * a message and needs the rest. Not while bytes the parser already decided stream by (a body: they are never
     * held), nor while it waits for the other stream, nor after the client's end.
     */
    public boolean awaitingRequest() {
        Stream s = request;
        if (failed || closed || s.ended || s.stalled) return false;
        return s.readable() > 0 || !s.consumedAny;
    }

    /** Unparsed bytes held on both streams. */
    public int bufferedTotal() {
        return request.readable() + reply.readable();
    }

    /** New bytes on stream {@code side}; the driver takes ownership of {@code in}. */
    public void received(Side side, ByteBuf in) {
        if (failed || closed) {
            in.release();
            return;
        }
        Stream s = stream(side);
        if (s.ended) {
            in.release();
            fail(ErrorKind.MALFORMED, side.lower() + " bytes after the stream ended");
            return;
        }
        boolean owedDone = payOwed(s, in);
        if (in.isReadable()) {
            append(s, in);
        } else {
            in.release();
            if (!owedDone) return;
        }
        run(s, true);
        if (!failed && s.readable() > maxBuffered) {
            fail(ErrorKind.LIMIT, s.side.lower() + " holds " + s.readable() + " bytes without a complete message (limit "
                    + maxBuffered + ")");
        }
    }

    /** Stream {@code side} reached its end (the sender half-closed). */
    public void ended(Side side) {
        if (failed || closed) return;
        Stream s = stream(side);
        if (s.ended) return;
        s.ended = true;
        // The sender is gone: what an op covered beyond its last byte will never come.
        s.passOwed = 0;
        s.dropOwed = 0;
        run(s, true);
    }

    /** Releases what the driver holds; the parser is told once. */
    public void close() {
        if (closed) return;
        closed = true;
        for (Stream s : new Stream[] {request, reply}) {
            if (s.buffered != null) {
                s.buffered.release();
                s.buffered = null;
            }
        }
        try {
            parser.onClose();
        } catch (RuntimeException ignored) {
            // the connection is gone either way; a parser failing on close has nothing left to harm
        }
    }

    /** Forwards or drops bytes an earlier op covered; true when that debt was settled by this input. */
    private boolean payOwed(Stream s, ByteBuf in) {
        if (s.passOwed > 0) {
            int n = (int) Math.min(s.passOwed, in.readableBytes());
            out.forward(s.side, in.readRetainedSlice(n));
            s.passOwed -= n;
            return s.passOwed == 0;
        }
        if (s.dropOwed > 0) {
            int n = (int) Math.min(s.dropOwed, in.readableBytes());
            in.skipBytes(n);
            s.dropOwed -= n;
            return s.dropOwed == 0;
        }
        return false;
    }

    private static void append(Stream s, ByteBuf in) {
        ByteBuf b = s.buffered;
        if (b == null || !b.isReadable()) {
            if (b != null) b.release();
            s.buffered = in;
            return;
        }
        if (b.readerIndex() > 0 || b.refCnt() > 1 || b.maxWritableBytes() < in.readableBytes()) {
            // Forwarded slices may still point into b: copy the unparsed tail rather than move bytes under them.
            ByteBuf fresh = in.alloc().buffer(Math.max(b.readableBytes() + in.readableBytes(), 256));
            fresh.writeBytes(b);
            b.release();
            b = fresh;
        }
        b.writeBytes(in);
        in.release();
        s.buffered = b;
    }

    private void run(Stream s, boolean progressed) {
        boolean moved = runOnce(s, progressed);
        // One stream moving on can unblock the other's parser (a pipelined request waiting for its reply slot).
        Stream o = s == request ? reply : request;
        if (moved && !failed && o.stalled) {
            o.stalled = false;
            out.stall(o.side, false);
            runOnce(o, true);
        }
    }

    /** Asks the parser until it waits; true when any byte was consumed or injected. */
    private boolean runOnce(Stream s, boolean progressed) {
        boolean moved = false;
        int idle = 0;
        int injected = 0;
        loop:
        while (!failed && !closed) {
            if (s.passOwed > 0 || s.dropOwed > 0) return moved;
            int readable = s.readable();
            if (readable == 0 && !progressed && !s.ended) break;
            if (readable < s.need && !s.ended) return moved;
            progressed = false;
            ByteBuffer view = readable == 0 ? EMPTY
                    : s.buffered.nioBuffer(s.buffered.readerIndex(), readable).asReadOnlyBuffer();
            Op op;
            try {
                op = parser.onData(s.side, view, s.ended);
            } catch (RuntimeException | StackOverflowError e) {
                fail(ErrorKind.PARSER_FAILURE, "parser failed on the " + s.side.lower() + " stream: " + e);
                return moved;
            }
            s.need = 0;
            switch (op) {
                case null -> {
                    fail(ErrorKind.PARSER_FAILURE, "parser answered null");
                    return moved;
                }
                case Op.More m -> {
                    if (m.bytes() <= 0) {
                        fail(ErrorKind.PARSER_FAILURE, "parser asked for " + m.bytes() + " more bytes");
                    } else if ((long) readable + m.bytes() > maxBuffered) {
                        fail(ErrorKind.LIMIT, "a " + s.side.lower() + " message needs " + ((long) readable + m.bytes())
                                + " bytes, more than the limit of " + maxBuffered);
                    } else if (s.ended) {
                        if (readable == 0) break loop;
                        fail(ErrorKind.MALFORMED, "the " + s.side.lower() + " stream ended inside a message");
                    } else {
                        s.need = (long) readable + m.bytes();
                    }
                    return moved;
                }
                case Op.Pass p -> {
                    if (!consume(s, p.bytes(), true)) return moved;
                    moved = true;
                    idle = 0;
                    progressed = true;
                }
                case Op.Drop d -> {
                    if (!consume(s, d.bytes(), false)) return moved;
                    moved = true;
                    idle = 0;
                    progressed = true;
                }
                case Op.Inject i -> {
                    injected += i.bytes().length;
                    if (injected > MAX_INJECTED_PER_RUN) {
                        fail(ErrorKind.PARSER_FAILURE, "parser injected more than " + MAX_INJECTED_PER_RUN + " bytes at once");
                        return moved;
                    }
                    if (++idle > MAX_ANSWERS_WITHOUT_PROGRESS) {
                        fail(ErrorKind.PARSER_FAILURE, "parser made no progress in " + MAX_ANSWERS_WITHOUT_PROGRESS + " answers");
                        return moved;
                    }
                    if (i.bytes().length > 0) out.inject(i.side(), Unpooled.wrappedBuffer(i.bytes()));
                    moved = true;
                    progressed = true;
                }
                case Op.Error e -> {
                    fail(e.tooLarge() ? ErrorKind.LIMIT : ErrorKind.MALFORMED, e.reason());
                    return moved;
                }
                case Op.Nop n -> {
                    if (readable == 0) break loop;
                    if (!s.stalled) {
                        s.stalled = true;
                        out.stall(s.side, true);
                    }
                    return moved;
                }
            }
        }
        if (!failed && s.ended && !s.finished && s.readable() == 0 && s.passOwed == 0 && s.dropOwed == 0) {
            s.finished = true;
            out.finished(s.side);
        }
        return moved;
    }

    private boolean consume(Stream s, long n, boolean pass) {
        if (n <= 0) {
            fail(ErrorKind.PARSER_FAILURE, "parser answered " + (pass ? "PASS " : "DROP ") + n);
            return false;
        }
        s.consumedAny = true;
        int readable = s.readable();
        int now = (int) Math.min(n, readable);
        if (now > 0) {
            if (pass) out.forward(s.side, s.buffered.readRetainedSlice(now));
            else s.buffered.skipBytes(now);
        }
        long owed = n - now;
        if (owed > 0) {
            if (s.ended) {
                // The sender is gone: what it never sent cannot be owed.
                owed = 0;
            }
            if (pass) s.passOwed = owed;
            else s.dropOwed = owed;
        }
        return true;
    }

    private void fail(ErrorKind kind, String reason) {
        if (failed) return;
        failed = true;
        out.fail(kind, reason);
    }
}
