package dev.ward.lab;

import dev.ward.agentapi.EndpointPolicy;

import java.util.ArrayList;
import java.util.List;

import static dev.ward.lab.PodTcp.Attempt.DROPPED;

/**
 * Scenario 8: policies added and removed in the store while traffic runs, each taking effect within 1 s (measured
 * from the moment the write is sent to etcd to its effect on the traffic: the first connection it lets through, or
 * the last echo of a flow it cuts): removing rule1 opens the deathstar; adding
 * it back cuts the xwings' established connections, while the tiefighters' lose no segment through every change; with
 * the empire's default deny beside it, removing rule1, the allow, cuts the tiefighters' flows it allowed.
 */
public final class PolicyChangeScenario {
    /** The bound on a policy change reaching the traffic. */
    static final long DEADLINE_MILLIS = 1000;
    private static final int LINE_MILLIS = 20;

    private PolicyChangeScenario() {}

    public static void run(ScenarioRun s, LabEnvironment env, StarWars sw) throws Exception {
        LabPolicies store = env.policies();
        List<String> figures = new ArrayList<>();
        List<AutoCloseable> open = new ArrayList<>();
        try {
            PodTcp.LineStream remote = stream(open, sw.remoteTiefighter(), sw);
            PodTcp.LineStream local = stream(open, sw.localTiefighter(), sw);
            Thread.sleep(500);

            // rule1 removed: nothing selects the deathstar, the xwing gets in
            PodTcp.Prober xwing = new PodTcp.Prober(sw.remoteXwing(), sw.deathstar(), StarWars.HTTP, 200, 30);
            open.add(xwing);
            Thread.sleep(300);
            long removed = store.delete(LabPolicies.RULE1);
            long opened = await(() -> xwing.firstConnectedNanos() != 0, removed, 5000);
            figures.add("rule1 removed -> xwing's first connection " + ms(opened));
            s.check(opened >= 0 && opened <= DEADLINE_MILLIS, "rule1 removed: " + sw.remoteXwing().name() + " (across nodes) reached deathstar:80 "
                    + ms(opened) + " after the deletion was sent to etcd (" + xwing.describe() + ")");
            xwing.close();

            // rule1 added back: the xwings' established connections are cut, on one node and across nodes
            PodTcp.LineStream xRemote = stream(open, sw.remoteXwing(), sw);
            PodTcp.LineStream xLocal = stream(open, sw.localXwing(), sw);
            Thread.sleep(500);
            long added = store.put(LabPolicies.RULE1);
            long cutRemote = untilCut(xRemote, added), cutLocal = untilCut(xLocal, added);
            figures.add("rule1 added -> xwing flows cut " + ms(cutRemote) + " (across nodes), " + ms(cutLocal) + " (same node)");
            s.check(cutRemote >= 0 && cutRemote <= DEADLINE_MILLIS && cutLocal >= 0 && cutLocal <= DEADLINE_MILLIS, "rule1 added: the xwings'"
                    + " established connections cut " + ms(cutRemote) + " (" + xRemote.name() + ") and " + ms(cutLocal) + " (" + xLocal.name()
                    + ") after the write was sent to etcd");
            s.check(PodTcp.attempt(sw.localXwing(), sw.deathstar(), StarWars.HTTP, 1000) == DROPPED, "and new xwing connections are dropped");

            // the empire's default deny beside rule1: the tiefighters stay allowed
            long denyAll = store.put(LabPolicies.EMPIRE_DEFAULT_DENY);
            s.check(await(() -> enforced(env, sw.node(), sw.localTiefighter()), denyAll, 5000) >= 0,
                    "empire-default-deny (" + LabPolicies.EMPIRE_DEFAULT_DENY.file() + ") written: the tiefighters' own ingress is enforced too");
            Thread.sleep(500);
            for (PodTcp.LineStream t : List.of(remote, local)) {
                int sent = t.sent();
                long settle = System.nanoTime() + 3_000_000_000L;
                while (t.echoed() < sent && System.nanoTime() < settle) Thread.sleep(20);
                PodTcp.Retransmits retrans = t.retransmits();
                s.check(t.problem() == null && t.echoed() >= sent && retrans.lost() == 0, "through three policy changes " + t.describe()
                        + ", " + retrans.describe() + ": nothing lost");
            }

            // rule1, the allow, removed: the flows it allowed are cut
            long withdrawn = store.delete(LabPolicies.RULE1);
            long cutA = untilCut(remote, withdrawn), cutB = untilCut(local, withdrawn);
            figures.add("rule1 removed beside the default deny -> tiefighter flows cut " + ms(cutA) + " (across nodes), " + ms(cutB) + " (same node)");
            s.check(cutA >= 0 && cutA <= DEADLINE_MILLIS && cutB >= 0 && cutB <= DEADLINE_MILLIS, "rule1 removed while empire-default-deny"
                    + " stays: the tiefighters' flows it allowed are cut " + ms(cutA) + " and " + ms(cutB) + " after etcd had the deletion");
        } finally {
            for (AutoCloseable c : open.reversed()) c.close();
            // Back to rule1 alone, for the agent restart scenario.
            store.delete(LabPolicies.EMPIRE_DEFAULT_DENY);
            long restored = store.put(LabPolicies.RULE1);
            await(() -> matches(env, sw) && !enforced(env, sw.node(), sw.localTiefighter()), restored, 10000);
            s.note("measured, policy change in etcd -> effect on traffic: " + String.join("; ", figures));
        }
    }

    private static PodTcp.LineStream stream(List<AutoCloseable> open, LabNetwork.Pod from, StarWars sw) throws Exception {
        PodTcp.LineStream st = new PodTcp.LineStream(from, sw.deathstar(), StarWars.HTTP, LINE_MILLIS);
        open.add(st);
        return st;
    }

    /**
     * Milliseconds from {@code since} to the last echo before a stream went silent for good (1.5 s without an echo),
     * or -1 if it kept flowing for 6 s (or was silent already before {@code since}).
     */
    static long untilCut(PodTcp.LineStream st, long since) throws InterruptedException {
        if (since - st.lastEchoNanos() > 500_000_000L) return -1; // silent before the change: nothing to attribute to it
        long deadline = since + 6_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (System.nanoTime() - st.lastEchoNanos() > 1_500_000_000L) return Math.max(0, (st.lastEchoNanos() - since) / 1_000_000);
            Thread.sleep(20);
        }
        return -1;
    }

    /** Milliseconds from {@code since} until {@code condition} held (polled every 10 ms), or -1 after {@code timeoutMillis}. */
    static long await(java.util.function.BooleanSupplier condition, long since, long timeoutMillis) throws InterruptedException {
        while (System.nanoTime() - since < timeoutMillis * 1_000_000L) {
            if (condition.getAsBoolean()) return (System.nanoTime() - since) / 1_000_000;
            Thread.sleep(10);
        }
        return -1;
    }

    private static boolean enforced(LabEnvironment env, LabNetwork.Node node, LabNetwork.Pod pod) {
        try {
            return StarWarsPolicyScenario.policy(env.cluster(), node, pod).datapath().ingressEnforced();
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean matches(LabEnvironment env, StarWars sw) {
        try {
            EndpointPolicy p = StarWarsPolicyScenario.policy(env.cluster(), sw.node(), sw.deathstar());
            return p.matchesAgent() && p.entries().size() == 2;
        } catch (Exception e) {
            return false;
        }
    }

    private static String ms(long millis) {
        return millis < 0 ? "NOT within the wait" : millis + " ms";
    }
}
