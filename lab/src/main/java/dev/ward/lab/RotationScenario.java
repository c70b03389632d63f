package dev.ward.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.ward.lab.EncryptedCluster.await;
import static dev.ward.lab.EncryptedCluster.millisSince;

/**
 * Scenario "rotation with no loss": {@code wardctl keys rotate --all}, round after round, while numbered UDP streams
 * cross between nodes. Every pair moves to new SAs each round, the replaced SAs go after the agents' drain, and not
 * one datagram is lost.
 */
public final class RotationScenario {
    /** One datagram every 10 ms per stream. */
    public static final Duration STREAM_INTERVAL = Duration.ofMillis(10);

    private RotationScenario() {}

    /**
     * @param streamPairs the pods each stream runs between, {from, to}
     * @param drain       the agents' --drain, for the report; the old SAs must be gone within {@code drainTimeout}
     */
    public static <N extends ClusterNode<P>, P extends ClusterPod> void run(ScenarioRun s, EncryptedCluster<N, P> c, List<List<P>> streamPairs,
                                                                         int rounds, String drain, Duration drainTimeout) throws Exception {
        List<N> nodes = c.nodes();
        List<PodStream> streams = new ArrayList<>();
        int port = 6000;
        for (List<P> pair : streamPairs) streams.add(c.stream(pair.get(0), pair.get(1), port++, STREAM_INTERVAL));
        try {
            Map<String, Set<String>> seen = c.outboundSpis(nodes);
            s.note("streams " + streams.stream().map(PodStream::name).toList() + " at " + 1000 / STREAM_INTERVAL.toMillis()
                    + " datagrams/s each; outbound SPIs " + seen);
            for (int round = 1; round <= rounds; round++) {
                StoreWrite rotation = c.rotateAll();
                WardJvm.Outcome r = rotation.outcome();
                if (!s.check(r.succeeded(), "wardctl keys rotate --all (round " + round + ") exit " + r.exitCode() + " in " + r.millis() + " ms"
                        + (r.succeeded() ? "" : ": " + r.output().strip()))) break;
                Map<String, Set<String>> before = new HashMap<>(seen);
                long took = await(Duration.ofSeconds(60), () -> c.everyPairHasNewOutbound(nodes, before));
                Map<String, Set<String>> now = c.outboundSpis(nodes);
                s.check(took >= 0, "round " + round + ": every node sends with a new SA to every peer " + (took >= 0
                        ? String.format("%.2f s after the request reached the store", rotation.secondsSinceCommitted()) : "NOT within 60 s")
                        + "; outbound SPIs " + now);
                now.forEach((k, v) -> seen.merge(k, v, (x, y) -> {
                    Set<String> u = new HashSet<>(x);
                    u.addAll(y);
                    return u;
                }));
            }
            long lastRound = System.nanoTime();
            int perNode = 2 * (nodes.size() - 1);
            long drained = await(drainTimeout, () -> nodes.stream().allMatch(n -> c.sas(n).sas().size() == perNode));
            s.check(drained >= 0, "old SAs removed after the drain (agents run with --drain " + drain + "): every node back to "
                    + perNode + " SAs, one each way per peer, " + (drained >= 0 ? millisSince(lastRound) + " ms after the last round"
                    : "NOT within " + drainTimeout.toSeconds() + " s: " + nodes.stream().map(n -> c.sas(n).describe(n.underlayIp())).toList()));
        } finally {
            checkNoneLost(s, streams);
        }
    }

    /** Stops each stream and checks it lost nothing (and carried something). */
    public static void checkNoneLost(ScenarioRun s, List<? extends PodStream> streams) {
        for (PodStream st : streams) {
            SequenceTally.Result r = st.stop(Duration.ofSeconds(2));
            s.check(r.lost() == 0 && r.sent() > 0, st.name() + ": " + r.describe());
        }
    }
}
