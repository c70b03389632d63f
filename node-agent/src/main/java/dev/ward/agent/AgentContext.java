package dev.ward.agent;

import dev.ward.store.ClusterStore;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the subsystems of one node agent share: the node's name, its state directory, the one connection to the
 * cluster's store, the clock, and the services started subsystems offer (the node's identity, the encryption agent),
 * looked up by type.
 */
public final class AgentContext {
    private final String node;
    private final Path stateDir;
    private final ClusterStore store;
    private final Clock clock;
    private final Map<Class<?>, Object> services = new LinkedHashMap<>();

    AgentContext(String node, Path stateDir, ClusterStore store, Clock clock) {
        this.node = node;
        this.stateDir = stateDir;
        this.store = store;
        this.clock = clock;
    }

    public String node() {
        return node;
    }

    public Path stateDir() {
        return stateDir;
    }

    /** The agent's connection to the cluster's store; subsystems build their record stores on it and never close it. */
    public ClusterStore store() {
        return store;
    }

    public Clock clock() {
        return clock;
    }

    /** Offers a service to the subsystems that start after this one. */
    public synchronized <T> void provide(Class<T> type, T service) {
        if (services.putIfAbsent(type, service) != null) {
            throw new IllegalStateException("two subsystems offer a " + type.getSimpleName());
        }
    }

    /** A service an earlier subsystem may offer (the BPF datapath runs only with {@code --datapath bpf}). */
    public synchronized <T> Optional<T> find(Class<T> type) {
        return Optional.ofNullable(type.cast(services.get(type)));
    }

    /** A service an earlier subsystem offers; asking for one nobody offers is a wiring mistake in {@link NodeAgent}. */
    public synchronized <T> T require(Class<T> type) {
        Object service = services.get(type);
        if (service == null) {
            throw new IllegalStateException("no started subsystem offers a " + type.getSimpleName() + " (offered: "
                    + services.keySet().stream().map(Class::getSimpleName).toList() + ")");
        }
        return type.cast(service);
    }
}
