package dev.ward.agent.l7;

/**
 * The node's L7 proxy, which runs with the BPF datapath: the datapath redirects flows whose policy has L7 rules
 * (HTTP, Kafka, Cassandra, memcached, {@code l7proto}) to it.
 *
 * @param enabled     whether it runs ({@code --l7-proxy}); without it, L7-ruled flows are dropped, never let through
 * @param ingressPort where flows redirected by a pod's ingress rules arrive (0: a free port, chosen at start)
 * @param egressPort  where flows redirected by a pod's egress rules arrive (0: a free port)
 * @param threads     the proxy's event-loop threads
 */
public record L7ProxyConfig(boolean enabled, int ingressPort, int egressPort, int threads) {
    public static final L7ProxyConfig DEFAULT = new L7ProxyConfig(true, 0, 0, 2);

    public L7ProxyConfig {
        port("ingress", ingressPort);
        port("egress", egressPort);
        if (ingressPort != 0 && ingressPort == egressPort) {
            throw new IllegalArgumentException("the L7 proxy's ingress and egress ports must differ, both are " + ingressPort);
        }
        if (threads < 1 || threads > 64) throw new IllegalArgumentException("the L7 proxy's threads must be 1-64, not " + threads);
    }

    private static void port(String which, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the L7 proxy's " + which + " port must be 0 (any free one) or 1-65535, not " + port);
        }
    }
}
