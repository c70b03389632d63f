package dev.ward.dnsproxy.net;

import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.proxy.Transport;
import dev.ward.dnsproxy.proxy.Upstream;
import dev.ward.dnsproxy.proxy.UpstreamAnswer;
import dev.ward.dnsproxy.proxy.UpstreamFailure;
import dev.ward.dnsproxy.wire.DnsQuery;
import dev.ward.dnsproxy.wire.UpstreamReplyCheck;
import dev.ward.dnsproxy.wire.WireIds;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Forwards queries to the servers pods asked. UDP goes out through a small pool of sockets on random ports with a
 * random id per query (what a forger would have to guess); an answer counts only if it comes from the server asked,
 * to that socket, with that id and the query's question. Everything else is discarded and counted, and the query
 * keeps waiting for its real answer until the timeout. TCP opens a connection per query (TCP DNS is the rare
 * fallback for truncated answers).
 */
public final class NettyUpstream implements Upstream, AutoCloseable {
    static final int MAX_ANSWER = 65535;
    private static final int ID_TRIES = 16;

    private record Key(int socket, InetSocketAddress server, int id) {}

    private record Pending(DnsQuery query, CompletableFuture<UpstreamAnswer> future) {}

    private final ProxyEventLoops loops;
    private final DnsProxyMetrics metrics;
    private final long timeoutNanos;
    private final int poolSize;
    private final List<Channel> udp = new ArrayList<>();
    private final Map<Key, Pending> pending = new ConcurrentHashMap<>();
    private final ThreadLocal<SplittableRandom> random;
    private final Map<EventLoop, List<Integer>> byLoop = new java.util.HashMap<>();

    public NettyUpstream(ProxyEventLoops loops, DnsProxyMetrics metrics, Duration timeout, int poolSize) {
        this.loops = loops;
        this.metrics = metrics;
        this.timeoutNanos = timeout.toNanos();
        this.poolSize = poolSize;
        SecureRandom seeds = new SecureRandom();
        this.random = ThreadLocal.withInitial(() -> new SplittableRandom(seeds.nextLong()));
    }

    /**
     * Binds the UDP pool (ephemeral ports, in the loops' namespace), spread over the loops: a query goes out from a
     * socket of the loop it arrived on, so its answer comes back on that loop and no thread hand-off is needed.
     */
    public void start() {
        List<EventLoop> all = loops.loops();
        for (int i = 0; i < Math.max(poolSize, all.size()); i++) {
            int index = i;
            EventLoop loop = all.get(i % all.size());
            byLoop.computeIfAbsent(loop, k -> new ArrayList<>()).add(index);
            Bootstrap b = new Bootstrap().group(loop).channel(EpollDatagramChannel.class)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_ANSWER))
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .handler(new UdpAnswers(index));
            udp.add(loops.inNamespace(() -> b.bind(new InetSocketAddress(0))).syncUninterruptibly().channel());
        }
    }

    @Override
    public CompletableFuture<UpstreamAnswer> exchange(InetSocketAddress server, Transport transport, DnsQuery query) {
        return transport == Transport.TCP ? tcp(server, query) : udp(server, query);
    }

    private CompletableFuture<UpstreamAnswer> udp(InetSocketAddress server, DnsQuery query) {
        CompletableFuture<UpstreamAnswer> f = new CompletableFuture<>();
        Pending p = new Pending(query, f);
        SplittableRandom r = random.get();
        EventLoop here = loops.current();
        List<Integer> local = here == null ? null : byLoop.get(here);
        Key key = null;
        for (int i = 0; i < ID_TRIES && key == null; i++) {
            int socket = local != null ? local.get(r.nextInt(local.size())) : r.nextInt(udp.size());
            Key k = new Key(socket, server, r.nextInt(65536));
            if (pending.putIfAbsent(k, p) == null) key = k;
        }
        if (key == null) {
            f.completeExceptionally(new UpstreamFailure("overloaded", "no free message id towards " + server));
            return f;
        }
        Key k = key;
        Channel ch = udp.get(k.socket);
        ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
            if (pending.remove(k, p)) f.completeExceptionally(new UpstreamFailure("timeout", "no answer from " + server + " in " + timeoutNanos / 1_000_000 + " ms"));
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        f.whenComplete((a, t) -> timer.cancel(false));
        LoopBatchedWrites.write(ch, new DatagramPacket(Unpooled.wrappedBuffer(WireIds.withId(query.wire(), k.id)), server)).addListener(w -> {
            if (!w.isSuccess() && pending.remove(k, p)) {
                f.completeExceptionally(new UpstreamFailure("send_failed", "cannot send to " + server + ": " + w.cause()));
            }
        });
        return f;
    }

    private final class UdpAnswers extends SimpleChannelInboundHandler<DatagramPacket> {
        private final int socket;

        UdpAnswers(int socket) {
            this.socket = socket;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            byte[] wire = ByteBufUtil.getBytes(packet.content());
            if (wire.length < 12) {
                metrics.upstreamDiscarded("garbage");
                return;
            }
            Key k = new Key(socket, packet.sender(), WireIds.id(wire));
            Pending p = pending.get(k);
            if (p == null) {
                metrics.upstreamDiscarded("unknown_id");
                return;
            }
            UpstreamReplyCheck.Result check = UpstreamReplyCheck.check(p.query, wire, MAX_ANSWER);
            if (!check.ok()) {
                metrics.upstreamDiscarded(check.problem().startsWith("does not parse") ? "garbage" : "mismatch");
                return;
            }
            if (pending.remove(k, p)) p.future.complete(new UpstreamAnswer(check.answer(), wire));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            metrics.upstreamDiscarded("socket_error");
        }
    }

    private CompletableFuture<UpstreamAnswer> tcp(InetSocketAddress server, DnsQuery query) {
        CompletableFuture<UpstreamAnswer> f = new CompletableFuture<>();
        int id = random.get().nextInt(65536);
        Bootstrap b = new Bootstrap().group(loops.group()).channel(EpollSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeoutNanos / 1_000_000))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new DnsTcpFrameDecoder(MAX_ANSWER), new SimpleChannelInboundHandler<byte[]>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, byte[] wire) {
                                UpstreamReplyCheck.Result check = WireIds.id(wire) == id
                                        ? UpstreamReplyCheck.check(query, wire, MAX_ANSWER)
                                        : new UpstreamReplyCheck.Result(null, "carries another id");
                                if (check.ok()) f.complete(new UpstreamAnswer(check.answer(), wire));
                                else {
                                    metrics.upstreamDiscarded("mismatch");
                                    f.completeExceptionally(new UpstreamFailure("mismatch", server + " answered over TCP with a message that " + check.problem()));
                                }
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                f.completeExceptionally(new UpstreamFailure("closed", server + " closed the TCP connection without an answer"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                metrics.upstreamDiscarded("garbage");
                                f.completeExceptionally(new UpstreamFailure("garbage", server + " sent a broken TCP stream: " + cause.getMessage()));
                                ctx.close();
                            }
                        });
                    }
                });
        loops.onLoopThread(() -> {
            ChannelFuture c = b.connect(server);
            Channel ch = c.channel();
            ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
                if (f.completeExceptionally(new UpstreamFailure("timeout", "no answer from " + server + " over TCP in " + timeoutNanos / 1_000_000 + " ms"))) ch.close();
            }, timeoutNanos, TimeUnit.NANOSECONDS);
            f.whenComplete((a, t) -> {
                timer.cancel(false);
                ch.close();
            });
            c.addListener((ChannelFuture cf) -> {
                if (!cf.isSuccess()) {
                    f.completeExceptionally(new UpstreamFailure("unreachable", "cannot connect to " + server + ": " + cf.cause().getMessage()));
                    return;
                }
                cf.channel().writeAndFlush(DnsTcpFrameDecoder.frame(cf.channel().alloc(), WireIds.withId(query.wire(), id)));
            });
        });
        return f;
    }

    @Override
    public void close() {
        for (Channel c : udp) c.close().syncUninterruptibly();
        udp.clear();
        for (Pending p : pending.values()) p.future.completeExceptionally(new UpstreamFailure("closed", "proxy stopping"));
        pending.clear();
    }
}
