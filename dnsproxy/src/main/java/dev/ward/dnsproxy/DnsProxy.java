package dev.ward.dnsproxy;

import dev.ward.dnsproxy.event.DnsEventListener;
import dev.ward.dnsproxy.fqdn.FqdnLearner;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.net.DnsProxyServer;
import dev.ward.dnsproxy.net.NettyUpstream;
import dev.ward.dnsproxy.net.ProxyEventLoops;
import dev.ward.dnsproxy.policy.DnsRules;
import dev.ward.dnsproxy.proxy.ProxySettings;
import dev.ward.dnsproxy.proxy.QueryProcessor;

import java.net.InetSocketAddress;
import java.time.Clock;

/**
 * The running transparent DNS proxy: event loops, upstream sockets and the listeners on the proxy port, around one
 * {@link QueryProcessor}. The datapath redirects pods' DNS traffic to {@link #port()} (TPROXY or bpf_sk_assign).
 */
public final class DnsProxy implements AutoCloseable {
    /**
     * @param listen          where the transparent listeners bind (normally 0.0.0.0 or [::] and the proxy port; port 0
     *                        picks one)
     * @param netns           a named network namespace to serve (the lab's node), or null for this process's own
     * @param threads         event loop threads
     * @param udpSockets      UDP listener sockets in the SO_REUSEPORT group (the kernel spreads flows over them); 1
     *                        without SO_REUSEPORT
     * @param upstreamSockets UDP sockets (random ports) queries are forwarded from
     * @param reusePort       whether the listeners join a SO_REUSEPORT group. Without it the port is this proxy's
     *                        alone: before Linux 6.5 bpf_sk_assign refuses a socket of a reuseport group, so a proxy the
     *                        BPF datapath redirects to listens alone and a standby proxy takes its own port (the
     *                        datapath's standby-port fallback)
     */
    public record Config(InetSocketAddress listen, String netns, int threads, int udpSockets, int upstreamSockets,
                         ProxySettings settings, boolean reusePort) {
        public Config {
            if (udpSockets < 1) throw new IllegalArgumentException("udpSockets must be at least 1, not " + udpSockets);
            if (!reusePort && udpSockets != 1) {
                throw new IllegalArgumentException(udpSockets + " UDP sockets on one port need SO_REUSEPORT; without it the proxy has one");
            }
        }

        /** Listeners in a SO_REUSEPORT group. */
        public Config(InetSocketAddress listen, String netns, int threads, int udpSockets, int upstreamSockets, ProxySettings settings) {
            this(listen, netns, threads, udpSockets, upstreamSockets, settings, true);
        }

        public static Config on(int port) {
            return new Config(new InetSocketAddress(port), null, 2, 2, 8, ProxySettings.DEFAULT);
        }

        public Config inNamespace(String ns) {
            return new Config(listen, ns, threads, udpSockets, upstreamSockets, settings, reusePort);
        }

        public Config with(ProxySettings s) {
            return new Config(listen, netns, threads, udpSockets, upstreamSockets, s, reusePort);
        }

        /** The port is this proxy's alone (no SO_REUSEPORT): one UDP socket and one TCP listener. */
        public Config exclusivePort() {
            return new Config(listen, netns, threads, 1, upstreamSockets, settings, false);
        }
    }

    private final ProxyEventLoops loops;
    private final NettyUpstream upstream;
    private final DnsProxyServer server;

    private DnsProxy(ProxyEventLoops loops, NettyUpstream upstream, DnsProxyServer server) {
        this.loops = loops;
        this.upstream = upstream;
        this.server = server;
    }

    public static DnsProxy start(Config config, DnsRules rules, FqdnLearner learner, DnsEventListener events,
                                 DnsProxyMetrics metrics) {
        ProxyEventLoops loops = new ProxyEventLoops(config.threads(), config.netns());
        NettyUpstream upstream = new NettyUpstream(loops, metrics, config.settings().upstreamTimeout(), config.upstreamSockets());
        DnsProxyServer server = null;
        try {
            upstream.start();
            QueryProcessor processor = new QueryProcessor(rules, upstream, learner, events, metrics, config.settings(), Clock.systemUTC());
            server = new DnsProxyServer(loops, processor, metrics, config.listen(), config.udpSockets(), config.reusePort(),
                    config.settings().maxQueryBytes());
            server.start();
            return new DnsProxy(loops, upstream, server);
        } catch (RuntimeException e) {
            if (server != null) server.close();
            upstream.close();
            loops.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
        upstream.close();
        loops.close();
    }
}
