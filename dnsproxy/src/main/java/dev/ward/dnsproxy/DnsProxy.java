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
     * @param udpSockets      UDP listener sockets in the SO_REUSEPORT group (the kernel spreads flows over them)
     * @param upstreamSockets UDP sockets (random ports) queries are forwarded from
     */
    public record Config(InetSocketAddress listen, String netns, int threads, int udpSockets, int upstreamSockets,
                         ProxySettings settings) {
        public static Config on(int port) {
            return new Config(new InetSocketAddress(port), null, 2, 2, 8, ProxySettings.DEFAULT);
        }

        public Config inNamespace(String ns) {
            return new Config(listen, ns, threads, udpSockets, upstreamSockets, settings);
        }

        public Config with(ProxySettings s) {
            return new Config(listen, netns, threads, udpSockets, upstreamSockets, s);
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
            server = new DnsProxyServer(loops, processor, metrics, config.listen(), config.udpSockets(), config.settings().maxQueryBytes());
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
