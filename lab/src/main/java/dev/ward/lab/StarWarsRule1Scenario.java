package dev.ward.lab;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowVerdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.ward.lab.PodTcp.Attempt.CONNECTED;
import static dev.ward.lab.PodTcp.Attempt.DROPPED;

/**
 * Rule1 of Cilium's Star Wars demo on a running cluster, the part that holds wherever it runs (the lab's scenario 7,
 * the kind suite StarWarsPolicyE2E): rule1 applied as printed; the deathstar created after it is enforced from its
 * first packet; across nodes (through ESP) and on one node the empire's ships reach it on 80/TCP and nothing else
 * does; {@code wardctl monitor} on the deathstar's node shows each denied connection dropped at the deathstar's
 * ingress for {@code policy_default_deny}, with both identities and their labels, and the allowed ones forwarded by
 * rule1.
 */
public final class StarWarsRule1Scenario {
    /** Enough for a SYN and its first retransmission to be dropped; an allowed connection gets twice that. */
    private static final int DENIED_WAIT_MILLIS = 1500, ALLOWED_WAIT_MILLIS = 3000;

    private StarWarsRule1Scenario() {}

    /**
     * The ships: a tiefighter ({@code org=empire}) and an xwing ({@code org=alliance}) on the deathstar's node and on
     * another, and an xwing on a third node (null when the cluster has two).
     */
    public record Cast<N, P>(N node, P localTiefighter, P remoteTiefighter, P localXwing, P remoteXwing, P farXwing) {
        /** Creates the ships as client pods: on {@code node} (the deathstar's), {@code remote} and {@code far}. */
        public static <N extends ClusterNode<P>, P extends ClusterPod> Cast<N, P> create(PolicyCluster<N, P> c, N node, N remote, N far)
                throws Exception {
            return new Cast<>(node, c.createPod(node, "tiefighter-local", StarWars.TIEFIGHTER_LABELS, List.of()),
                    c.createPod(remote, "tiefighter-remote", StarWars.TIEFIGHTER_LABELS, List.of()),
                    c.createPod(node, "xwing-local", StarWars.XWING_LABELS, List.of()),
                    c.createPod(remote, "xwing-remote", StarWars.XWING_LABELS, List.of()),
                    far == null ? null : c.createPod(far, "xwing-far", StarWars.XWING_LABELS, List.of()));
        }
    }

    /** The deathstar, and how many connections were denied and how many came from other nodes (all through ESP). */
    public record Outcome<P>(P deathstar, int deniedAttempts, int crossNodeAttempts) {}

    /** Applies rule1, creates the deathstar on the cast's node, tries every ship against it and reads the node's monitor. */
    public static <N extends ClusterNode<P>, P extends ClusterPod> Outcome<P> check(ScenarioRun s, PolicyCluster<N, P> c, Cast<N, P> cast)
            throws Exception {
        long written = c.apply(LabPolicies.RULE1);
        s.note("rule1 (" + LabPolicies.RULE1.file() + ", as Cilium's docs print it) applied: CiliumNetworkPolicy/" + c.namespace() + "/rule1");
        long creating = System.nanoTime();
        P ds = c.createPod(cast.node(), "deathstar", StarWars.DEATHSTAR_LABELS, List.of(StarWars.HTTP, StarWars.OTHER_PORT));
        s.note("deathstar " + StarWars.DEATHSTAR_LABELS + " created on " + cast.node().name() + " (" + ds.ip().getHostAddress() + "): running in "
                + EncryptedCluster.millisSince(creating) + " ms (" + EncryptedCluster.millisSince(written) + " ms after rule1 was sent);"
                + " its echo service on " + StarWars.HTTP + " and " + StarWars.OTHER_PORT + " starts only now");

        PodTcp.Attempt firstDenied = c.connect(cast.localXwing(), ds, StarWars.HTTP, DENIED_WAIT_MILLIS);
        s.check(firstDenied == DROPPED, "first packet: " + cast.localXwing().name() + " (org=alliance, same node) -> deathstar:80 " + firstDenied);
        PodTcp.Attempt firstAllowed = c.connect(cast.remoteTiefighter(), ds, StarWars.HTTP, ALLOWED_WAIT_MILLIS);
        s.check(firstAllowed == CONNECTED, "first packet: " + cast.remoteTiefighter().name() + " (org=empire, across nodes) -> deathstar:80 " + firstAllowed);

        record Try<P>(P from, int port, PodTcp.Attempt expected, String why) {}
        List<Try<P>> matrix = new ArrayList<>(List.of(
                new Try<>(cast.localTiefighter(), StarWars.HTTP, CONNECTED, "org=empire, same node"),
                new Try<>(cast.remoteTiefighter(), StarWars.HTTP, CONNECTED, "org=empire, across nodes"),
                new Try<>(cast.localXwing(), StarWars.HTTP, DROPPED, "org=alliance, same node"),
                new Try<>(cast.remoteXwing(), StarWars.HTTP, DROPPED, "org=alliance, across nodes")));
        if (cast.farXwing() != null) matrix.add(new Try<>(cast.farXwing(), StarWars.HTTP, DROPPED, "org=alliance, from a third node"));
        matrix.add(new Try<>(cast.remoteTiefighter(), StarWars.OTHER_PORT, DROPPED, "org=empire, but rule1 allows 80 only"));
        matrix.add(new Try<>(cast.localTiefighter(), StarWars.OTHER_PORT, DROPPED, "org=empire, same node, 8080"));
        int denied = 1, crossNode = 1;
        for (Try<P> t : matrix) {
            PodTcp.Attempt got = c.connect(t.from(), ds, t.port(), t.expected() == DROPPED ? DENIED_WAIT_MILLIS : ALLOWED_WAIT_MILLIS);
            if (t.expected() == DROPPED) denied++;
            if (t.from() != cast.localTiefighter() && t.from() != cast.localXwing()) crossNode++;
            s.check(got == t.expected(), t.from().name() + " (" + t.why() + ") -> deathstar:" + t.port() + " " + got);
        }
        monitorShowsTheVerdicts(s, c, cast, ds);
        return new Outcome<>(ds, denied, crossNode);
    }

    /**
     * Rule1 deleted and applied again with the deathstar running: the xwing across nodes gets in once the deletion
     * is in force, and is dropped again once rule1 is back, each within {@code bound}, while the tiefighter stays
     * allowed. On a real cluster each attempt is a command in a pod, so the times include that; the lab's scenario 8
     * measures the same changes within 1 s with connection attempts of its own.
     */
    public static <N extends ClusterNode<P>, P extends ClusterPod> void removeAndRestore(ScenarioRun s, PolicyCluster<N, P> c, Cast<N, P> cast,
            P ds, java.time.Duration bound) throws Exception {
        P xwing = cast.remoteXwing();
        long removed = c.delete(LabPolicies.RULE1);
        long in = until(() -> c.connect(xwing, ds, StarWars.HTTP, DENIED_WAIT_MILLIS) == CONNECTED, removed, bound);
        s.check(in >= 0, "rule1 deleted: " + xwing.name() + " (org=alliance, across nodes) reached deathstar:80 "
                + (in < 0 ? "NOT within " + bound.toSeconds() + " s" : in + " ms after the deletion was sent"));
        long restored = c.apply(LabPolicies.RULE1);
        long out = until(() -> c.connect(xwing, ds, StarWars.HTTP, DENIED_WAIT_MILLIS) == DROPPED, restored, bound);
        s.check(out >= 0, "rule1 applied again: " + xwing.name() + "'s connections dropped "
                + (out < 0 ? "NOT within " + bound.toSeconds() + " s" : out + " ms after it was sent"));
        PodTcp.Attempt tiefighter = c.connect(cast.remoteTiefighter(), ds, StarWars.HTTP, ALLOWED_WAIT_MILLIS);
        s.check(tiefighter == CONNECTED, "and " + cast.remoteTiefighter().name() + " (org=empire) -> deathstar:80 " + tiefighter);
    }

    /** Milliseconds from {@code since} until an attempt succeeded (attempts back to back), or -1 once {@code bound} passed. */
    private static long until(java.util.function.BooleanSupplier attempt, long since, java.time.Duration bound) {
        while (System.nanoTime() - since < bound.toNanos()) {
            if (attempt.getAsBoolean()) return EncryptedCluster.millisSince(since);
        }
        return -1;
    }

    /** What the deathstar's node's {@code wardctl monitor} holds of the flows into it: every denied ship and the allowed ones. */
    private static <N extends ClusterNode<P>, P extends ClusterPod> void monitorShowsTheVerdicts(ScenarioRun s, PolicyCluster<N, P> c,
            Cast<N, P> cast, P ds) throws Exception {
        // The flows the agent still holds, then 2 s more for any still on their way from the kernel's ring buffer.
        List<String> args = List.of("--last", "1000", "--type", "l3l4", "--direction", "ingress", "--to", ds.ip().getHostAddress(),
                "-o", "json", "--timeout", "2s");
        WardJvm.Outcome out = c.monitor(cast.node(), args);
        MonitoredFlows flows = MonitoredFlows.parse(out.output());
        s.check(out.succeeded(), "wardctl monitor " + String.join(" ", args) + " against " + cast.node().name() + "'s agent: exit " + out.exitCode()
                + ", " + flows.flows().size() + " flows into the deathstar (" + out.millis() + " ms)");
        String endpoint = c.namespace() + "/deathstar";
        String rule1 = "CiliumNetworkPolicy/" + c.namespace() + "/rule1 ";
        List<MonitoredFlows.Expected> expected = new ArrayList<>();
        java.util.stream.Stream.of(cast.localXwing(), cast.remoteXwing(), cast.farXwing()).filter(java.util.Objects::nonNull)
                .forEach(x -> expected.add(denied(x, StarWars.XWING_LABELS, ds, StarWars.HTTP, endpoint)));
        expected.add(denied(cast.remoteTiefighter(), StarWars.TIEFIGHTER_LABELS, ds, StarWars.OTHER_PORT, endpoint));
        for (P t : List.of(cast.localTiefighter(), cast.remoteTiefighter())) {
            expected.add(new MonitoredFlows.Expected(FlowVerdict.FORWARDED, t.ip(), StarWars.TIEFIGHTER_LABELS, ds.ip(), StarWars.HTTP,
                    StarWars.DEATHSTAR_LABELS, endpoint, null, rule1));
        }
        boolean all = true;
        for (MonitoredFlows.Expected e : expected) {
            Optional<Flow> f = flows.find(e);
            all &= s.check(f.isPresent(), "monitor shows " + e.describe() + ": " + f.map(MonitoredFlows::describe).orElse("NOT among them"));
        }
        if (!all) flows.flows().stream().limit(40).forEach(f -> s.note("  monitor: " + MonitoredFlows.describe(f)));
    }

    private static <P extends ClusterPod> MonitoredFlows.Expected denied(P from, Map<String, String> labels, P ds, int port, String endpoint) {
        return new MonitoredFlows.Expected(FlowVerdict.DROPPED, from.ip(), labels, ds.ip(), port, StarWars.DEATHSTAR_LABELS, endpoint,
                "policy_default_deny", null);
    }
}
