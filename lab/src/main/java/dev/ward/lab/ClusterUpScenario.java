package dev.ward.lab;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static dev.ward.lab.EncryptedCluster.await;
import static dev.ward.lab.EncryptedCluster.millisSince;

/** Scenario "cluster up": every node holds an SA each way with every other node, and pods across nodes answer. */
public final class ClusterUpScenario {
    private ClusterUpScenario() {}

    /**
     * Waits up to {@code convergence} for every pair to hold SAs (giving up early once {@code agentsAlive} says an
     * agent exited), then up to 30 s for pods on different nodes to answer each other.
     */
    public static <N extends ClusterNode<P>, P extends ClusterPod> void check(ScenarioRun s, EncryptedCluster<N, P> c, Duration convergence,
                                                                           BooleanSupplier agentsAlive, long agentsStartedNanos) throws InterruptedException {
        long converged = await(convergence, () -> c.allPaired(c.nodes()) || !agentsAlive.getAsBoolean());
        for (N n : c.nodes()) s.note(c.sas(n).describe(n.underlayIp()));
        boolean paired = converged >= 0 && agentsAlive.getAsBoolean();
        s.check(paired, paired
                ? "every node holds an SA each way with every other node, " + millisSince(agentsStartedNanos) + " ms after the agents were started"
                : "nodes did not pair (waited " + millisSince(agentsStartedNanos) / 1000 + " s" + (agentsAlive.getAsBoolean() ? ")" : "; an agent exited)"));
        long reachable = await(Duration.ofSeconds(30), () -> c.unreachablePairs(c.nodes()).isEmpty());
        s.check(reachable >= 0, "pods on different nodes answer each other" + (reachable >= 0 ? "" : "; not: " + c.unreachablePairs(c.nodes())));
    }
}
