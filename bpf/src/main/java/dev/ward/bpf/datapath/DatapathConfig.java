package dev.ward.bpf.datapath;

import dev.ward.bpf.plan.ProxyPorts;

import java.nio.file.Path;

/**
 * Where and how big: the pin root (on a BPF filesystem; one per node agent), the network namespace the pods'
 * host-side veths live in (null: the caller's), map sizes, the proxy ports for redirects, and the routing
 * table and rule priority that deliver redirected packets locally. {@code program} replaces the bundled BPF
 * object (tests load variants); null means the bundled one.
 */
public record DatapathConfig(Path pinRoot, String netns, int maxEndpoints, int policyEntries, int ipcacheEntries,
                             int conntrackEntries, int ringBufferBytes, ProxyPorts proxyPorts, int proxyRouteTable,
                             int proxyRulePriority, byte[] program) {
    public static final int DEFAULT_POLICY_ENTRIES = 16384;
    /** Where an agent pins by default; the BPF filesystem is mounted at /sys/fs/bpf if it is not there yet. */
    public static final Path DEFAULT_PIN_ROOT = Path.of("/sys/fs/bpf/ward");

    public DatapathConfig {
        if (pinRoot == null) throw new IllegalArgumentException("pin root is required");
        positive("maxEndpoints", maxEndpoints);
        positive("policyEntries", policyEntries);
        positive("ipcacheEntries", ipcacheEntries);
        positive("conntrackEntries", conntrackEntries);
        if (ringBufferBytes < 4096 || Integer.bitCount(ringBufferBytes) != 1) {
            throw new IllegalArgumentException("ring buffer size must be a power of two of at least 4096 bytes: " + ringBufferBytes);
        }
        if (proxyPorts == null) proxyPorts = ProxyPorts.NONE;
    }

    private static void positive(String what, int v) {
        if (v <= 0) throw new IllegalArgumentException(what + " must be positive: " + v);
    }

    public static DatapathConfig at(Path pinRoot) {
        return new DatapathConfig(pinRoot, null, 1024, DEFAULT_POLICY_ENTRIES, 65536, 262144, 1 << 20, ProxyPorts.NONE, 2004, 9, null);
    }

    public DatapathConfig inNetns(String ns) {
        return new DatapathConfig(pinRoot, ns, maxEndpoints, policyEntries, ipcacheEntries, conntrackEntries, ringBufferBytes,
                proxyPorts, proxyRouteTable, proxyRulePriority, program);
    }

    public DatapathConfig withPolicyEntries(int n) {
        return new DatapathConfig(pinRoot, netns, maxEndpoints, n, ipcacheEntries, conntrackEntries, ringBufferBytes,
                proxyPorts, proxyRouteTable, proxyRulePriority, program);
    }

    public DatapathConfig withIpcacheEntries(int n) {
        return new DatapathConfig(pinRoot, netns, maxEndpoints, policyEntries, n, conntrackEntries, ringBufferBytes,
                proxyPorts, proxyRouteTable, proxyRulePriority, program);
    }

    public DatapathConfig withProxyPorts(ProxyPorts p) {
        return new DatapathConfig(pinRoot, netns, maxEndpoints, policyEntries, ipcacheEntries, conntrackEntries, ringBufferBytes,
                p, proxyRouteTable, proxyRulePriority, program);
    }

    public DatapathConfig withProgram(byte[] elf) {
        return new DatapathConfig(pinRoot, netns, maxEndpoints, policyEntries, ipcacheEntries, conntrackEntries, ringBufferBytes,
                proxyPorts, proxyRouteTable, proxyRulePriority, elf);
    }
}
