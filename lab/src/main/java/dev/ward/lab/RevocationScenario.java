package dev.ward.lab;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario "revocation": {@code wardctl node revoke} of one node while streams run to it, from it and between two
 * other nodes. Within 5 s of the revocation reaching the store every other node holds no SA with it and its streams
 * stop both ways; the others' stream loses nothing.
 */
public final class RevocationScenario {
    private static final long DEADLINE_NANOS = 5_000_000_000L;

    private RevocationScenario() {}

    /** {@code revoked} and at least two other nodes, each with two pods. */
    public static <N extends ClusterNode<P>, P extends ClusterPod> void run(ScenarioRun s, EncryptedCluster<N, P> c, N revoked) throws Exception {
        List<N> others = c.nodes().stream().filter(n -> n != revoked).toList();
        N a = others.get(0), b = others.get(1);
        PodStream fromRevoked = c.stream(revoked.pod(1), a.pod(1), 6000, RotationScenario.STREAM_INTERVAL);
        PodStream intoRevoked = c.stream(a.pod(2), revoked.pod(2), 6001, RotationScenario.STREAM_INTERVAL);
        PodStream control = c.stream(b.pod(1), a.pod(2), 6002, RotationScenario.STREAM_INTERVAL);
        try {
            Thread.sleep(1000);
            s.check(others.stream().allMatch(n -> c.sas(n).pairedWith(n.underlayIp(), revoked.underlayIp())),
                    "before: " + others.stream().map(ClusterNode::name).toList() + " hold SAs both ways with " + revoked.name());
            long start = System.nanoTime();
            // Watched until 60 s after the revocation landed, however long wardctl's JVM took to get there.
            AtomicLong watchUntil = new AtomicLong(start + WardJvm.HANG_GUARD.toNanos() + WATCH_NANOS);
            CompletableFuture<Map<String, Long>> saGone = CompletableFuture.supplyAsync(() -> whenSasGone(c, others, revoked, watchUntil));
            StoreWrite w = c.revoke(revoked);
            WardJvm.Outcome r = w.outcome();
            s.check(r.succeeded(), "wardctl node revoke " + revoked.name() + " exit " + r.exitCode() + " after " + r.millis() + " ms (JVM start included)"
                    + (r.succeeded() ? "" : ": " + r.output().strip()));
            long committed = w.committedNanos();
            watchUntil.set(committed + WATCH_NANOS);
            Map<String, Long> gone = saGone.get(WATCH_NANOS + 5_000_000_000L, TimeUnit.NANOSECONDS);
            s.note(w.storedAtNanos() != 0 ? String.format("the revocation reached the store %.2f s after the command started, %.2f s before it returned",
                    (committed - start) / 1e9, (w.returnedNanos() - committed) / 1e9) : "no store event seen: timing from the command's return");
            for (N n : others) {
                Long at = gone.get(n.name());
                s.check(at != null && at - committed <= DEADLINE_NANOS, n.name() + " removed every SA with " + revoked.name() + " "
                        + (at == null ? "NOT within 60 s of it" : String.format("%.2f s after the revocation", (at - committed) / 1e9)));
            }
            long streamsUntil = committed + 7_000_000_000L;
            while (System.nanoTime() < streamsUntil) Thread.sleep(100);
            long lastIn = intoRevoked.lastArrivalNanos(), lastOut = fromRevoked.lastArrivalNanos();
            s.check(lastIn < committed + DEADLINE_NANOS && lastOut < committed + DEADLINE_NANOS, String.format(
                    "streams cut both ways: last datagram %s arrived %.2f s, %s %.2f s after the revocation (watched for 7 s)",
                    intoRevoked.name(), (lastIn - committed) / 1e9, fromRevoked.name(), (lastOut - committed) / 1e9));
            int before = intoRevoked.receivedSoFar() + fromRevoked.receivedSoFar();
            Thread.sleep(2000);
            int after = intoRevoked.receivedSoFar() + fromRevoked.receivedSoFar();
            s.check(after == before, "nothing crosses to or from " + revoked.name() + "'s pods now (" + (after - before) + " datagrams in 2 s)");
            int answered = 0, probes = 0;
            for (P p : revoked.pods()) {
                for (N n : others) {
                    for (P q : n.pods()) {
                        answered += c.probe(p, q, 1, 300) + c.probe(q, p, 1, 300);
                        probes += 2;
                    }
                }
            }
            s.check(answered == 0, "echo probes between " + revoked.name() + "'s pods and others' pods: " + answered + " of " + probes + " answered");
        } finally {
            for (PodStream st : List.of(fromRevoked, intoRevoked, control)) {
                SequenceTally.Result r = st.stop(Duration.ofSeconds(1));
                if (st == control) s.check(r.lost() == 0 && r.sent() > 0, "others keep talking: " + st.name() + ": " + r.describe());
                else s.note(st.name() + ": " + r.describe());
            }
        }
    }

    /** How long after the revocation landed the nodes' SAs are watched for. */
    private static final long WATCH_NANOS = 60_000_000_000L;

    /** Polls until {@code until} (which may move): when each of {@code nodes} first holds no SA with {@code gone}. */
    private static <N extends ClusterNode<P>, P extends ClusterPod> Map<String, Long> whenSasGone(EncryptedCluster<N, P> c, List<N> nodes, N gone,
                                                                                             AtomicLong until) {
        Map<String, Long> at = new HashMap<>();
        while (at.size() < nodes.size() && System.nanoTime() < until.get()) {
            for (N n : nodes) {
                if (!at.containsKey(n.name()) && !c.sas(n).mentions(gone.underlayIp())) at.put(n.name(), System.nanoTime());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return at;
    }
}
