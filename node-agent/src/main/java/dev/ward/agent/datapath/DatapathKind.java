package dev.ward.agent.datapath;

import dev.ward.agent.AgentContext;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Which datapath {@code ward agent --datapath} runs. */
public enum DatapathKind {
    /** {@link InMemoryDatapath}: policy is computed and held, nothing is enforced. */
    NONE,
    /**
     * {@link BpfPolicyDatapath}: module bpf's tc programs on every pod's veth enforce the tables; the opened
     * {@link KernelDatapath} and the {@link ProxyPortTable} its redirects use are offered to the other subsystems.
     */
    BPF;

    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DatapathKind parse(String s) {
        for (DatapathKind k : values()) if (k.flag().equals(s)) return k;
        throw new IllegalArgumentException("unknown datapath '" + s + "' (known: " + Arrays.stream(values()).map(DatapathKind::flag).toList() + ")");
    }

    /** As {@link #open(AgentContext, String, Path, java.util.Map)}, with no proxy port reserved. */
    public PolicyDatapath open(AgentContext context, String netns, Path pinRoot) {
        return open(context, netns, pinRoot, java.util.Map.of());
    }

    /**
     * Opens this datapath for the node whose pods' veths are in {@code netns} (null: the agent's own), pinning under
     * {@code pinRoot} (BPF), and offers what other subsystems use of it in {@code context}. {@code reservedPorts}: proxy
     * ports known from the configuration ({@link ProxyPortTable#reserve}), in the redirect rows from the first write.
     */
    public PolicyDatapath open(AgentContext context, String netns, Path pinRoot, java.util.Map<String, Integer> reservedPorts) {
        return switch (this) {
            case NONE -> new InMemoryDatapath();
            case BPF -> {
                ProxyPortTable proxies = new ProxyPortTable();
                reservedPorts.forEach(proxies::reserve);
                KernelDatapath kernel = KernelDatapath.open(BpfPolicyDatapath.config(pinRoot, netns, proxies));
                try {
                    BpfPolicyDatapath adapter = BpfPolicyDatapath.open(kernel, context.require(PrometheusRegistry.class));
                    context.provide(KernelDatapath.class, kernel);
                    context.provide(ProxyPortTable.class, proxies);
                    yield adapter;
                } catch (RuntimeException e) {
                    kernel.close();
                    throw e;
                }
            }
        };
    }
}
