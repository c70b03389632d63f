package dev.ward.dnsproxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Transparent UDP replies: the pod must see its answer come from the server it asked, so each answer leaves through a
 * socket bound (IP_TRANSPARENT, the address need not be local) to that server's address and port. One socket per
 * server, kept; they are unconnected, so the redirect's established-socket lookup never picks them for a pod's next
 * query, and any datagram that still reaches one is handled as a query like on the listener.
 */
final class ReplySockets implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplySockets.class);
    static final int MAX_SOCKETS = 4096;

    private final ProxyEventLoops loops;
    /** A socket per server and loop: an answer leaves from the loop that has it, with no thread hand-off. */
    private record Key(InetSocketAddress server, EventLoop loop) {}

    private final Map<Key, CompletableFuture<Channel>> sockets = new ConcurrentHashMap<>();
    private volatile ChannelHandler inbound;

    ReplySockets(ProxyEventLoops loops) {
        this.loops = loops;
    }

    void inbound(ChannelHandler handler) {
        this.inbound = handler;
    }

    /** Sends {@code wire} to {@code client} from {@code server}; completes when the socket took it. */
    CompletableFuture<Void> send(InetSocketAddress server, InetSocketAddress client, byte[] wire) {
        EventLoop here = loops.current();
        Key key = new Key(server, here != null ? here : loops.loops().getFirst());
        CompletableFuture<Channel> bound = sockets.get(key);
        if (bound == null) {
            if (sockets.size() >= MAX_SOCKETS) closeAll();
            bound = sockets.computeIfAbsent(key, this::bind);
        }
        CompletableFuture<Channel> socket = bound;
        CompletableFuture<Void> sent = new CompletableFuture<>();
        socket.whenComplete((ch, bindError) -> {
            if (bindError != null) {
                sockets.remove(key, socket);
                LOG.warn("cannot send DNS answers from {}: {}", server, bindError.toString());
                sent.completeExceptionally(bindError);
                return;
            }
            LoopBatchedWrites.write(ch, new DatagramPacket(Unpooled.wrappedBuffer(wire), client)).addListener(w -> {
                if (w.isSuccess()) sent.complete(null);
                else sent.completeExceptionally(w.cause());
            });
        });
        return sent;
    }

    private CompletableFuture<Channel> bind(Key key) {
        InetSocketAddress server = key.server();
        Bootstrap b = new Bootstrap().group(key.loop()).channel(EpollDatagramChannel.class)
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .option(EpollChannelOption.IP_RECVORIGDSTADDR, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_SNDBUF, 1 << 20)
                .handler(inbound);
        CompletableFuture<Channel> done = new CompletableFuture<>();
        Runnable bind = () -> b.bind(server).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) done.complete(f.channel());
            else done.completeExceptionally(f.cause());
        });
        // Created on a loop thread, so inside the proxy's namespace.
        if (key.loop().inEventLoop()) bind.run();
        else key.loop().execute(bind);
        return done;
    }

    @Override
    public void close() {
        closeAll();
    }

    private void closeAll() {
        for (CompletableFuture<Channel> f : sockets.values()) f.thenAccept(Channel::close);
        sockets.clear();
    }
}
