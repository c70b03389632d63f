package dev.ward.agent.datapath;

import dev.ward.bpf.plan.ProxyPorts;
import dev.ward.policy.model.Direction;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ports the agent's proxies listen on, by L7 type ("dns" for the DNS proxy; "http", "kafka"... for the L7
 * proxy), which the BPF datapath writes into the redirect entries of the policy maps. A proxy registers its port
 * once it listens and has the engine loop reconcile, which rewrites the entries that redirected to no port (and were
 * therefore dropped) so they now reach it. Offered as a service by the datapath with {@code --datapath bpf}.
 */
public final class ProxyPortTable implements ProxyPorts {
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    /** Types whose proxy listens on one port per direction (the L7 proxy: the direction picks the rules it applies). */
    private final Map<String, Map<Direction, Integer>> byDirection = new ConcurrentHashMap<>();
    private final Map<String, Integer> reserved = new ConcurrentHashMap<>();

    /**
     * A port known from the configuration before its proxy listens (the DNS proxy's): redirect rows carry it from the
     * first write, and keep it when the proxy stops, so its flows go where a standby can take them (the datapath's
     * standby port) rather than to no port. The proxy then registers the same port.
     */
    public void reserve(String l7Type, int port) {
        register(l7Type, port);
        reserved.put(l7Type, port);
    }

    /** From now on, flows redirected for {@code l7Type} (either direction) go to {@code port}. */
    public void register(String l7Type, int port) {
        if (port <= 0 || port > 65535) throw new IllegalArgumentException("a proxy port is 1-65535, not " + port);
        if (byDirection.containsKey(l7Type)) throw new IllegalStateException("the " + l7Type + " proxy listens on one port per direction");
        Integer before = ports.putIfAbsent(l7Type, port);
        if (before != null && before != port) {
            throw new IllegalStateException("the " + l7Type + " proxy already listens on " + before + ", not " + port);
        }
    }

    /** From now on, flows redirected for {@code l7Type} in {@code direction} go to {@code port}. */
    public void register(String l7Type, Direction direction, int port) {
        if (port <= 0 || port > 65535) throw new IllegalArgumentException("a proxy port is 1-65535, not " + port);
        if (ports.containsKey(l7Type)) throw new IllegalStateException("the " + l7Type + " proxy already listens on " + ports.get(l7Type));
        Integer before = byDirection.computeIfAbsent(l7Type, t -> new ConcurrentHashMap<>()).putIfAbsent(direction, port);
        if (before != null && before != port) {
            throw new IllegalStateException("the " + l7Type + " proxy already listens on " + before + " for " + direction.lower() + ", not " + port);
        }
    }

    /** Flows redirected for {@code l7Type} are dropped again (its proxy stopped), unless its port is reserved. */
    public void unregister(String l7Type) {
        if (reserved.containsKey(l7Type)) return;
        ports.remove(l7Type);
        byDirection.remove(l7Type);
    }

    /**
     * The registered ports by L7 type, now (for the node's datapath report); a type with one port per direction
     * appears once per direction ("http ingress", "http egress").
     */
    public Map<String, Integer> ports() {
        Map<String, Integer> all = new java.util.HashMap<>(ports);
        byDirection.forEach((type, perDirection) -> perDirection.forEach((d, port) -> all.put(type + " " + d.lower(), port)));
        return Map.copyOf(all);
    }

    @Override
    public int portFor(String endpoint, Direction direction, String l7Type) {
        Map<Direction, Integer> d = byDirection.get(l7Type);
        if (d != null) return d.getOrDefault(direction, 0);
        return ports.getOrDefault(l7Type, 0);
    }
}
