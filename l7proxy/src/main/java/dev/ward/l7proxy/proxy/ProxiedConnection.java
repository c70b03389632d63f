package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7ProxyMetrics;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.Side;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * One redirected connection: the client's channel, the upstream channel, and the parser driver between them. Both
 * channels run on the same event loop, so the driver and its parser are only ever called from one thread.
 *
 * <p>Back-pressure: neither side is read while either channel's outbound buffer is above its high-water mark
 * (what is read from one side may be written to either: forwarded on, or answered by the parser), nor while its
 * parser waits for the other stream. So a connection holds at most the parser's message limit per stream plus
 * the water marks, however fast one end writes and however slowly the other reads.
 */
final class ProxiedConnection implements ParserDriver.Output {
    private final Channel downstream;
    private final ConnectionLog log;
    private final L7ProxyMetrics metrics;
    private Channel upstream;
    private ParserDriver driver;
    private boolean requestStalled;
    private boolean replyStalled;
    private boolean closed;
    /**
     * What the client sent before the upstream connection was up. Reading is off until then, but netty still
     * reads what is queued when the client half-closes (to see the end), and none of it may be lost.
     */
    private final java.util.ArrayDeque<ByteBuf> early = new java.util.ArrayDeque<>();
    private boolean earlyEnd;
    private final ConnectionDeadlines deadlines;

    /**
     * @param headerNanos bound on the wait for the rest of a client message, 0 for none
     * @param idleNanos   bound on a time without bytes from either side, 0 for none
     */
    ProxiedConnection(Channel downstream, ConnectionLog log, L7ProxyMetrics metrics, long headerNanos, long idleNanos) {
        this.downstream = downstream;
        this.log = log;
        this.metrics = metrics;
        this.deadlines = new ConnectionDeadlines(downstream.eventLoop(), headerNanos, idleNanos, this::fail);
        downstream.pipeline().addLast("ward-l7-downstream", new StreamHandler(Side.REQUEST));
    }

    void start(ParserDriver driver, Channel upstream) {
        this.driver = driver;
        this.upstream = upstream;
        upstream.pipeline().addLast("ward-l7-upstream", new StreamHandler(Side.REPLY));
        deadlines.start();
        while (!early.isEmpty() && !driver.failed()) driver.received(Side.REQUEST, early.poll());
        releaseEarly();
        if (earlyEnd) driver.ended(Side.REQUEST);
        upstream.flush();
        downstream.flush();
        updateReading();
    }

    private void releaseEarly() {
        while (!early.isEmpty()) early.poll().release();
    }

    io.netty.channel.EventLoop eventLoop() {
        return downstream.eventLoop();
    }

    /** Bytes held for this connection now: unparsed input and output not yet taken by the kernel. */
    long heldBytes() {
        long n = pending(downstream) + pending(upstream);
        if (driver != null) n += driver.buffered(Side.REQUEST) + driver.buffered(Side.REPLY);
        return n;
    }

    private static long pending(Channel c) {
        if (c == null || c.unsafe().outboundBuffer() == null) return 0;
        return c.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    private Channel destination(Side side) {
        return side == Side.REQUEST ? upstream : downstream;
    }

    @Override
    public void forward(Side side, ByteBuf bytes) {
        destination(side).write(bytes, destination(side).voidPromise());
    }

    @Override
    public void inject(Side side, ByteBuf bytes) {
        destination(side).write(bytes, destination(side).voidPromise());
    }

    @Override
    public void stall(Side side, boolean stalled) {
        if (side == Side.REQUEST) requestStalled = stalled;
        else replyStalled = stalled;
        updateReading();
    }

    @Override
    public void finished(Side side) {
        Channel to = destination(side);
        Channel from = side == Side.REQUEST ? downstream : upstream;
        // netty's shutdownOutput drops unsent writes: half-close only once everything before it is out.
        to.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (to instanceof DuplexChannel d && !d.isOutputShutdown()) d.shutdownOutput();
            if (from instanceof DuplexChannel fd && fd.isInputShutdown() && to instanceof DuplexChannel td
                    && td.isInputShutdown()) {
                close();
            }
        });
    }

    @Override
    public void fail(ErrorKind kind, String reason) {
        log.error(kind, reason);
        close();
    }

    void close() {
        if (closed) return;
        closed = true;
        metrics.closed();
        // What was already granted (an ERROR line, a 403) goes out before the close.
        downstream.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        if (upstream != null) upstream.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        if (driver != null) driver.close();
        deadlines.stop();
        releaseEarly();
    }

    private void updateReading() {
        if (closed || upstream == null) return;
        boolean writable = downstream.isWritable() && upstream.isWritable();
        downstream.config().setAutoRead(writable && !requestStalled);
        upstream.config().setAutoRead(writable && !replyStalled);
        updateDeadlines();
    }

    /** The header clock runs only while the client is read and its parser waits for it, not for back-pressure. */
    private void updateDeadlines() {
        if (closed || driver == null) return;
        deadlines.awaitingClient(driver.awaitingRequest() && downstream.config().isAutoRead());
    }

    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final Side side;

        StreamHandler(Side side) {
            this.side = side;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf b)) {
                io.netty.util.ReferenceCountUtil.release(msg);
            } else if (closed) {
                b.release();
            } else if (driver == null) {
                early.add(b);
            } else {
                driver.received(side, b);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            deadlines.read();
            if (upstream != null) upstream.flush();
            downstream.flush();
            updateDeadlines();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (driver == null) {
                    earlyEnd = true;
                } else {
                    driver.ended(side);
                    upstream.flush();
                    downstream.flush();
                    updateDeadlines();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            updateReading();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset from either end: nothing to report beyond the close, as without the proxy.
            close();
        }
    }
}
