package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7AccessListener;
import dev.ward.l7proxy.access.L7ProxyMetrics;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.ParserRegistry;
import dev.ward.l7proxy.policy.RedirectLookup;
import dev.ward.l7proxy.policy.RedirectedConnection;
import dev.ward.l7proxy.policy.RequestPolicy;
import dev.ward.netlink.sys.LinuxSyscalls;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntFunction;

/**
 * The node's L7 proxy. It listens with {@code IP_TRANSPARENT} on one port per direction; the datapath steers
 * redirected flows to those sockets (TPROXY or {@code bpf_sk_assign}) without rewriting them, so an accepted
 * socket's local address is the destination the client meant. The proxy connects there itself, from the client's
 * own address (an {@code IP_TRANSPARENT} bind to the client's IP), so the destination and its node's ingress
 * policy see the client pod, not the proxy. Upstream sockets carry {@code SO_MARK = upstreamMark(source
 * identity)} for the datapath to recognise (and not redirect again).
 *
 * <p>Every socket is created on one of the proxy's event-loop threads, so the thread factory decides the network
 * namespace the proxy works in.
 */
public final class L7Proxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(L7Proxy.class);
    private static final int SOL_SOCKET = 1;
    private static final int SO_MARK = 36;
    /** Pods answer a SYN in microseconds: 5 s leaves room for two SYN retransmissions to a loaded one. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A client that means to send a request sends it at once; 30 s still carries an 8 MiB Kafka frame at 300 KB/s. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(30);
    /** The Kafka broker's own connections.max.idle.ms: clients of every parser here reconnect when it passes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

    private final Builder config;
    private final EventLoopGroup group;
    private final L7ProxyMetrics metrics;
    private final Map<Direction, Channel> listeners = new EnumMap<>(Direction.class);
    private final Set<ProxiedConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();

    private L7Proxy(Builder b) {
        this.config = b;
        this.metrics = new L7ProxyMetrics(b.registry);
        this.group = new MultiThreadIoEventLoopGroup(b.threads, b.threadFactory, EpollIoHandler.newFactory());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address a listener is bound to (its port is what the datapath redirects to). */
    public InetSocketAddress address(Direction direction) {
        Channel c = listeners.get(direction);
        if (c == null) throw new IllegalArgumentException("no " + direction.lower() + " listener");
        return (InetSocketAddress) c.localAddress();
    }

    public L7ProxyMetrics metrics() {
        return metrics;
    }

    /** Connections open now. */
    public int openConnections() {
        return open.size();
    }

    /** The most bytes any open connection holds now (unparsed input plus unsent output), read on its own thread. */
    public long maxHeldBytes() throws InterruptedException {
        long max = 0;
        for (ProxiedConnection c : List.copyOf(open)) {
            try {
                max = Math.max(max, c.eventLoop().submit(c::heldBytes).get(5, TimeUnit.SECONDS));
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // closed meanwhile
            }
        }
        return max;
    }

    private void bind() throws InterruptedException {
        for (Map.Entry<Direction, InetSocketAddress> l : config.listen.entrySet()) {
            Direction direction = l.getKey();
            ServerBootstrap sb = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(EpollChannelOption.IP_TRANSPARENT, true)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, config.waterMark)
                    .childOption(ChannelOption.SO_RCVBUF, config.receiveBuffer)
                    .childHandler(new Acceptor(direction));
            ChannelFuture bound;
            try {
                // Creating the socket on an event-loop thread puts it in that thread's namespace.
                bound = group.next().submit(() -> sb.bind(l.getValue())).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot bind the " + direction.lower() + " listener on " + l.getValue()
                        + ": " + e.getCause(), e.getCause());
            }
            bound.sync();
            config.socketSetup.accept(((EpollServerSocketChannel) bound.channel()).fd().intValue());
            listeners.put(direction, bound.channel());
            LOG.info("L7 proxy {} listener on {}", direction.lower(), bound.channel().localAddress());
        }
    }

    @Override
    public void close() {
        for (Channel c : listeners.values()) c.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Accepts one redirected connection: finds its rules and parser, then connects upstream. */
    private final class Acceptor extends ChannelInitializer<Channel> {
        private final Direction direction;

        Acceptor(Direction direction) {
            this.direction = direction;
        }

        @Override
        protected void initChannel(Channel down) {
            down.pipeline().addLast("ward-l7-accept", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    ctx.pipeline().remove(this);
                    accept(down);
                }
            });
        }

        private void accept(Channel down) {
            InetSocketAddress client = (InetSocketAddress) down.remoteAddress();
            InetSocketAddress original = (InetSocketAddress) down.localAddress();
            RedirectLookup lookup = config.lookup;
            RedirectedConnection rc = new RedirectedConnection(ids.incrementAndGet(), direction, client, original,
                    lookup.identity(client.getAddress()), lookup.identity(original.getAddress()));
            Verdict v = lookup.verdict(rc.endpoint().getAddress(), direction, rc.remoteIdentity(), rc.port());
            String type = v != null && v.kind() == Verdict.Kind.REDIRECT ? v.l7Type() : "none";
            L7ParserFactory factory = config.parsers.get(type);
            ConnectionLog log = new ConnectionLog(rc, type, new RequestPolicy(lookup, rc, type), config.access,
                    metrics, config.clock);
            metrics.opened(type);
            ProxiedConnection pc = new ProxiedConnection(down, log, metrics, config.headerTimeout.toNanos(),
                    config.idleTimeout.toNanos());
            open.add(pc);
            down.closeFuture().addListener(f -> open.remove(pc));
            if (factory == null) {
                pc.fail(ErrorKind.UPSTREAM, v == null ? "no local endpoint for the connection"
                        : v.kind() != Verdict.Kind.REDIRECT ? "the connection's verdict is " + v + ", not a redirect"
                        : "no parser for protocol '" + type + "' (known: " + config.parsers.names() + ")");
                return;
            }
            L7Parser parser;
            try {
                parser = factory.create(log);
            } catch (RuntimeException e) {
                pc.fail(ErrorKind.PARSER_FAILURE, "parser " + type + " failed to start: " + e);
                return;
            }
            ParserDriver driver = new ParserDriver(parser, factory.maxBufferedBytes(), pc);
            int mark = config.upstreamMark.applyAsInt(rc);
            Bootstrap b = new Bootstrap()
                    .group(down.eventLoop())
                    .channel(EpollSocketChannel.class)
                    .option(EpollChannelOption.IP_TRANSPARENT, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, config.waterMark)
                    .option(ChannelOption.SO_RCVBUF, config.receiveBuffer)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout.toMillis())
                    .handler(new ChannelInitializer<EpollSocketChannel>() {
                        @Override
                        protected void initChannel(EpollSocketChannel ch) {
                            if (mark != 0) LinuxSyscalls.setsockoptInt(ch.fd().intValue(), SOL_SOCKET, SO_MARK, mark);
                            config.socketSetup.accept(ch.fd().intValue());
                        }
                    });
            if (config.fromClientAddress) b.localAddress(new InetSocketAddress(client.getAddress(), 0));
            b.connect(original).addListener((ChannelFuture f) -> {
                if (f.cause() instanceof ConnectTimeoutException) {
                    pc.fail(ErrorKind.CONNECT_TIMEOUT, original + " did not accept a connection from " + client.getAddress()
                            + " within the connect timeout of " + config.connectTimeout.toMillis() + " ms");
                    return;
                }
                if (!f.isSuccess()) {
                    pc.fail(ErrorKind.UPSTREAM, "cannot connect to " + original + " from " + client.getAddress()
                            + ": " + f.cause());
                    return;
                }
                if (!down.isActive()) {
                    f.channel().close();
                    return;
                }
                pc.start(driver, f.channel());
            });
        }
    }

    public static final class Builder {
        private final Map<Direction, InetSocketAddress> listen = new EnumMap<>(Direction.class);
        private RedirectLookup lookup;
        private ParserRegistry parsers;
        private L7AccessListener access = L7AccessListener.NONE;
        private PrometheusRegistry registry;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private ThreadFactory threadFactory = r -> {
            Thread t = new Thread(r, "ward-l7");
            t.setDaemon(true);
            return t;
        };
        private ToIntFunction<RedirectedConnection> upstreamMark = c -> 0;
        private boolean fromClientAddress = true;
        private WriteBufferWaterMark waterMark = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int receiveBuffer = 256 * 1024;
        private Clock clock = Clock.systemUTC();
        private IntConsumer socketSetup = fd -> { };

        /** A listener for flows redirected in {@code direction}; port 0 picks a free port. */
        public Builder listen(Direction direction, InetSocketAddress address) {
            listen.put(direction, address);
            return this;
        }

        public Builder lookup(RedirectLookup lookup) {
            this.lookup = lookup;
            return this;
        }

        public Builder parsers(ParserRegistry parsers) {
            this.parsers = parsers;
            return this;
        }

        public Builder accessListener(L7AccessListener access) {
            this.access = access;
            return this;
        }

        public Builder metrics(PrometheusRegistry registry) {
            this.registry = registry;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Makes the event-loop threads, e.g. threads that enter the node's network namespace first. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = threadFactory;
            return this;
        }

        /** The SO_MARK of upstream sockets for a source identity (0: none). */
        public Builder upstreamMark(IntUnaryOperator upstreamMark) {
            return upstreamMarkOf(c -> upstreamMark.applyAsInt(c.sourceIdentity()));
        }

        /**
         * The SO_MARK of a connection's upstream socket (0: none): the datapath lets an ingress redirect's upstream
         * into its pod by the mark, while an egress redirect's upstream meets the destination's policy unmarked.
         */
        public Builder upstreamMarkOf(ToIntFunction<RedirectedConnection> upstreamMark) {
            this.upstreamMark = upstreamMark;
            return this;
        }

        /**
         * Whether upstream connections leave from the client's address (the default, so the destination sees the
         * client) or from the node's.
         */
        public Builder fromClientAddress(boolean fromClientAddress) {
            this.fromClientAddress = fromClientAddress;
            return this;
        }

        /** Outbound bytes per channel above which the proxy stops reading the connection. */
        public Builder writeBufferWaterMark(int low, int high) {
            this.waterMark = new WriteBufferWaterMark(low, high);
            return this;
        }

        /**
         * SO_RCVBUF of every proxied socket. It bounds memory too: when a peer closes, netty drains what the kernel
         * holds for the socket whether or not the proxy is reading, so the kernel buffer must stay bounded.
         */
        public Builder receiveBuffer(int bytes) {
            this.receiveBuffer = bytes;
            return this;
        }

        /**
         * How long an upstream may take to accept the proxy's connection (default 5 s; zero: the kernel's SYN
         * retries decide). The client's connection is closed when it passes.
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = nonNegative("connectTimeout", timeout);
            if (timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("connectTimeout must be under " + Integer.MAX_VALUE + " ms, not " + timeout);
            }
            return this;
        }

        /**
         * How long a client may take to complete a message its parser reads whole before deciding (an HTTP head, a
         * Kafka or CQL frame, a memcached line), counted from the upstream connection for the first one and from
         * its first byte for later ones (default 30 s; zero: unbounded). Bounds slowloris clients; a body the
         * parser already passed streams under the idle timeout only.
         */
        public Builder headerTimeout(Duration timeout) {
            this.headerTimeout = nonNegative("headerTimeout", timeout);
            return this;
        }

        /** How long a connection may carry no byte in either direction (default 10 min; zero: unbounded). */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative("idleTimeout", timeout);
            return this;
        }

        private static Duration nonNegative(String what, Duration d) {
            if (d == null || d.isNegative()) throw new IllegalArgumentException(what + " must be zero or positive, not " + d);
            return d;
        }

        /**
         * Called with the descriptor of each listening socket once bound (accepted sockets inherit from it) and of
         * each upstream socket before it connects: for options the node needs, e.g. a per-socket xfrm policy.
         */
        public Builder socketSetup(IntConsumer setup) {
            this.socketSetup = setup;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public L7Proxy start() throws InterruptedException {
            if (listen.isEmpty()) throw new IllegalStateException("the proxy needs at least one listener");
            if (lookup == null) throw new IllegalStateException("the proxy needs a RedirectLookup");
            if (registry == null) throw new IllegalStateException("the proxy needs a PrometheusRegistry for its metrics");
            if (parsers == null) parsers = ParserRegistry.load();
            if (!Epoll.isAvailable()) {
                throw new IllegalStateException("netty epoll is not available: " + Epoll.unavailabilityCause());
            }
            L7Proxy p = new L7Proxy(this);
            try {
                p.bind();
            } catch (RuntimeException | InterruptedException e) {
                p.close();
                throw e;
            }
            return p;
        }
    }
}
