package dev.ward.dnsproxy.net;

import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.proxy.QueryOrigin;
import dev.ward.dnsproxy.proxy.QueryProcessor;
import dev.ward.dnsproxy.proxy.Transport;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;

/**
 * Queries arriving on a transparent UDP socket: the sender is the pod, the recipient the original destination
 * (IP_RECVORIGDSTADDR). The reply goes out from that destination through {@link ReplySockets}.
 */
@ChannelHandler.Sharable
final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final QueryProcessor processor;
    private final ReplySockets replies;
    private final DnsProxyMetrics metrics;
    private final int proxyPort;

    UdpQueryHandler(QueryProcessor processor, ReplySockets replies, DnsProxyMetrics metrics, int proxyPort) {
        this.processor = processor;
        this.replies = replies;
        this.metrics = metrics;
        this.proxyPort = proxyPort;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        InetSocketAddress client = packet.sender();
        InetSocketAddress server = packet.recipient();
        if (client == null || server == null || server.getPort() == proxyPort || server.getAddress().isAnyLocalAddress()) {
            // Not redirected traffic (sent to the proxy's own port, or no original destination): forwarding it to its
            // "original destination" would send it back here.
            metrics.rejected("not_redirected");
            return;
        }
        byte[] wire = ByteBufUtil.getBytes(packet.content());
        processor.handle(new QueryOrigin(client, server, Transport.UDP), wire).thenAccept(reply -> {
            if (reply == null) return;
            replies.send(server, client, reply.wire()).whenComplete((v, t) -> {
                if (t == null) processor.released(reply);
                else metrics.rejected("reply_send_failed");
            });
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A datagram socket stays up whatever one packet did (e.g. an ICMP error surfaced as an exception).
        metrics.rejected("socket_error");
    }
}
