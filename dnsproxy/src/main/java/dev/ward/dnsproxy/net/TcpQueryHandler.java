package dev.ward.dnsproxy.net;

import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.proxy.QueryOrigin;
import dev.ward.dnsproxy.proxy.QueryProcessor;
import dev.ward.dnsproxy.proxy.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One pod's DNS-over-TCP connection, accepted on the transparent listener: its local address is the server the pod
 * dialled. Queries may be pipelined and are answered as they complete (RFC 7766); an idle connection, one with too
 * many queries outstanding, or a corrupt stream is closed.
 */
final class TcpQueryHandler extends SimpleChannelInboundHandler<byte[]> {
    static final long IDLE_SECONDS = 10;
    static final int MAX_OUTSTANDING = 64;

    private final QueryProcessor processor;
    private final DnsProxyMetrics metrics;
    private final int proxyPort;
    private int outstanding;
    private ScheduledFuture<?> idle;

    TcpQueryHandler(QueryProcessor processor, DnsProxyMetrics metrics, int proxyPort) {
        this.processor = processor;
        this.metrics = metrics;
        this.proxyPort = proxyPort;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetSocketAddress server = (InetSocketAddress) ctx.channel().localAddress();
        if (server.getPort() == proxyPort) {
            metrics.rejected("not_redirected");
            ctx.close();
            return;
        }
        armIdle(ctx);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, byte[] wire) {
        if (++outstanding > MAX_OUTSTANDING) {
            metrics.rejected("tcp_too_many_outstanding");
            ctx.close();
            return;
        }
        armIdle(ctx);
        QueryOrigin origin = new QueryOrigin((InetSocketAddress) ctx.channel().remoteAddress(),
                (InetSocketAddress) ctx.channel().localAddress(), Transport.TCP);
        processor.handle(origin, wire).thenAccept(reply -> ctx.executor().execute(() -> {
            outstanding--;
            if (reply == null || !ctx.channel().isActive()) return;
            ctx.writeAndFlush(DnsTcpFrameDecoder.frame(ctx.alloc(), reply.wire())).addListener(f -> {
                if (f.isSuccess()) processor.released(reply);
            });
            armIdle(ctx);
        }));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        metrics.rejected(cause instanceof DecoderException ? "tcp_bad_frame" : "socket_error");
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idle != null) idle.cancel(false);
        ctx.fireChannelInactive();
    }

    private void armIdle(ChannelHandlerContext ctx) {
        if (idle != null) idle.cancel(false);
        idle = ctx.executor().schedule(() -> {
            if (outstanding == 0) ctx.close();
            else armIdle(ctx);
        }, IDLE_SECONDS, TimeUnit.SECONDS);
    }
}
