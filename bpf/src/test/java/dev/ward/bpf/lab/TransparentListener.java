package dev.ward.bpf.lab;

import dev.ward.netlink.NetworkNamespace;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a proxy listens with: an IP_TRANSPARENT TCP listener (and UDP socket with IP_RECVORIGDSTADDR) on the
 * wildcard address, in the node's namespace. Every connection's local address is the original destination the
 * pod sent to; the listener records it with the peer and echoes what it receives prefixed by "proxied:".
 */
public final class TransparentListener implements AutoCloseable {
    /** One connection or datagram: who sent it and where it was originally going. */
    public record Seen(InetSocketAddress peer, InetSocketAddress originalDestination) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Channel channel;

    private TransparentListener(String netns, int port, boolean udp) {
        channel = NetworkNamespace.openIn(netns, () -> udp ? udp(port) : tcp(port));
    }

    public static TransparentListener tcp(String netns, int port) {
        return new TransparentListener(netns, port, false);
    }

    public static TransparentListener udp(String netns, int port) {
        return new TransparentListener(netns, port, true);
    }

    private Channel tcp(int port) {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        seen.add(new Seen(ch.remoteAddress(), ch.localAddress()));
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                ByteBuf out = ctx.alloc().buffer();
                                out.writeCharSequence("proxied:", java.nio.charset.StandardCharsets.UTF_8);
                                out.writeBytes(msg);
                                ctx.writeAndFlush(out);
                            }
                        });
                    }
                });
        return b.bind(new InetSocketAddress(port)).syncUninterruptibly().channel();
    }

    private Channel udp(int port) {
        Bootstrap b = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .option(EpollChannelOption.IP_RECVORIGDSTADDR, true)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        seen.add(new Seen(p.sender(), p.recipient()));
                    }
                });
        return b.bind(new InetSocketAddress("0.0.0.0", port)).syncUninterruptibly().channel();
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
