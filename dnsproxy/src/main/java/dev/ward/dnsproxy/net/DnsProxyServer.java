package dev.ward.dnsproxy.net;

import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.proxy.QueryProcessor;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The transparent listeners: {@code udpSockets} UDP sockets and one TCP listener on one port, all with IP_TRANSPARENT
 * (the datapath hands them traffic addressed elsewhere). With {@code reusePort} they join a SO_REUSEPORT group (the
 * kernel spreads flows over every socket in it, also another process's on the same port). Without it the port is this
 * proxy's alone, with one UDP socket: before Linux 6.5 bpf_sk_assign refuses a socket of a reuseport group, so the
 * agent's proxy and the standalone one each listen alone, the standalone on the standby port the datapath falls back
 * to while the agent's port has no socket.
 */
public final class DnsProxyServer implements AutoCloseable {
    private final ProxyEventLoops loops;
    private final QueryProcessor processor;
    private final DnsProxyMetrics metrics;
    private final InetSocketAddress listen;
    private final int udpSockets;
    private final boolean reusePort;
    private final int maxQueryBytes;
    private final List<Channel> channels = new ArrayList<>();
    private ReplySockets replies;
    private int port;

    public DnsProxyServer(ProxyEventLoops loops, QueryProcessor processor, DnsProxyMetrics metrics,
                          InetSocketAddress listen, int udpSockets, boolean reusePort, int maxQueryBytes) {
        this.loops = loops;
        this.processor = processor;
        this.metrics = metrics;
        this.listen = listen;
        this.udpSockets = udpSockets;
        this.reusePort = reusePort;
        this.maxQueryBytes = maxQueryBytes;
    }

    public void start() {
        // One listener per loop in turn: a query is answered on the loop it arrived on, so this is what spreads the work.
        List<EventLoop> all = loops.loops();
        Channel first = bindUdp(all.getFirst(), listen, null);
        port = ((InetSocketAddress) first.localAddress()).getPort();
        InetSocketAddress at = new InetSocketAddress(listen.getAddress(), port);
        UdpQueryHandler handler = (UdpQueryHandler) first.pipeline().first();
        for (int i = 1; i < udpSockets; i++) bindUdp(all.get(i % all.size()), at, handler);
        ServerBootstrap tcp = new ServerBootstrap().group(loops.group()).channel(EpollServerSocketChannel.class)
                .option(EpollChannelOption.SO_REUSEPORT, reusePort)
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new DnsTcpFrameDecoder(Math.min(65535, maxQueryBytes)),
                                new TcpQueryHandler(processor, metrics, port));
                    }
                });
        channels.add(loops.inNamespace(() -> tcp.bind(at)).syncUninterruptibly().channel());
    }

    /** The port the listeners are bound to (the one asked for, or the one the kernel picked for port 0). */
    public int port() {
        return port;
    }

    private Channel bindUdp(EventLoop loop, InetSocketAddress at, UdpQueryHandler shared) {
        if (replies == null) replies = new ReplySockets(loops);
        UdpQueryHandler handler = shared;
        Bootstrap b = new Bootstrap().group(loop).channel(EpollDatagramChannel.class)
                .option(EpollChannelOption.SO_REUSEPORT, reusePort)
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .option(EpollChannelOption.IP_RECVORIGDSTADDR, true)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                // One byte more than a query may have: a datagram that fills the buffer was longer than allowed.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxQueryBytes + 1));
        // Port 0 is resolved by the first bind, so the handler (which must know the port) is added afterwards.
        Channel ch = loops.inNamespace(() -> b.handler(new io.netty.channel.ChannelInboundHandlerAdapter()).bind(at))
                .syncUninterruptibly().channel();
        if (handler == null) {
            int bound = ((InetSocketAddress) ch.localAddress()).getPort();
            handler = new UdpQueryHandler(processor, replies, metrics, bound);
            replies.inbound(handler);
        }
        UdpQueryHandler h = handler;
        ch.eventLoop().submit(() -> {
            ch.pipeline().removeFirst();
            ch.pipeline().addFirst(h);
        }).syncUninterruptibly();
        channels.add(ch);
        return ch;
    }

    @Override
    public void close() {
        for (Channel c : channels) c.close().syncUninterruptibly();
        channels.clear();
        if (replies != null) replies.close();
    }
}
