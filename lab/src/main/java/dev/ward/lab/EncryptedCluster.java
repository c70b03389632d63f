package dev.ward.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A running Ward cluster as the encryption scenarios drive and observe it, whatever it runs on: the lab's network
 * namespaces ({@link LabEnvironment}) or a real Kubernetes cluster (the kind-tests module). The scenarios
 * ({@link ClusterUpScenario}, {@link CrossNodeScenario}, {@link RotationScenario}, {@link RevocationScenario}) are
 * written once against this, so the lab and the kind suites check the same things the same way.
 */
public interface EncryptedCluster<N extends ClusterNode<P>, P extends ClusterPod> {
    List<N> nodes();

    /** The ESP SAs {@code node}'s kernel holds now. */
    KernelSas sas(N node);

    /** Sends {@code count} UDP probes from {@code from} to {@code to}'s echo service; how many echoes came back. */
    int probe(P from, P to, int count, int waitMillis);

    /** Sends {@code bytes} over TCP from one pod to another on {@code port}, checked end to end. */
    LabTraffic.Transfer tcp(P from, P to, int port, long bytes, Duration timeout);

    /** Starts a numbered UDP stream from {@code from} to {@code to}'s {@code port}, one datagram per {@code interval}. */
    PodStream stream(P from, P to, int port, Duration interval);

    /** {@code wardctl keys rotate --all}, watching the store for its request. */
    StoreWrite rotateAll() throws Exception;

    /** {@code wardctl node revoke NODE}, watching the store for the revocation. */
    StoreWrite revoke(N node) throws Exception;

    default boolean allPaired(List<N> group) {
        for (N a : group) {
            KernelSas k = sas(a);
            for (N b : group) if (a != b && !k.pairedWith(a.underlayIp(), b.underlayIp())) return false;
        }
        return true;
    }

    /** Pairs of first pods, node to node, whose echo probe got no answer. */
    default List<String> unreachablePairs(List<N> group) {
        List<String> silent = new ArrayList<>();
        for (N a : group) {
            for (N b : group) {
                if (a != b && probe(a.pod(1), b.pod(1), 1, 1000) == 0) silent.add(a.pod(1).name() + "->" + b.pod(1).name());
            }
        }
        return silent;
    }

    /** Per ordered node pair among {@code group}, the SPIs of the sender's outbound SAs. */
    default Map<String, Set<String>> outboundSpis(List<N> group) {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        for (N a : group) {
            KernelSas k = sas(a);
            for (N b : group) if (a != b) m.put(a.name() + "->" + b.name(), k.outboundSpis(a.underlayIp(), b.underlayIp()));
        }
        return m;
    }

    /** Whether every pair in {@code before} now has an outbound SA whose SPI was not among those before. */
    default boolean everyPairHasNewOutbound(List<N> group, Map<String, Set<String>> before) {
        return outboundSpis(group).entrySet().stream()
                .allMatch(e -> e.getValue().stream().anyMatch(spi -> !before.getOrDefault(e.getKey(), Set.of()).contains(spi)));
    }

    /** Polls {@code condition} every 100 ms; returns the milliseconds it took, or -1 on timeout. */
    static long await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime(), deadline = start + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) return millisSince(start);
            if (System.nanoTime() > deadline) return -1;
            Thread.sleep(100);
        }
    }

    static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
