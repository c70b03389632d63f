package dev.ward.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario "cross-node encryption": every pod answers every pod on other nodes, TCP transfers arrive intact, and
 * the traffic crossed inside the nodes' ESP SAs (each node's outbound SAs to each peer carried it).
 */
public final class CrossNodeScenario {
    private CrossNodeScenario() {}

    public static <N extends ClusterNode<P>, P extends ClusterPod> void check(ScenarioRun s, EncryptedCluster<N, P> c) {
        List<N> nodes = c.nodes();
        Map<String, Long> before = packets(c);
        int pairs = 0, answered = 0;
        List<String> silent = new ArrayList<>();
        for (N a : nodes) {
            for (N b : nodes) {
                if (a == b) continue;
                for (P from : a.pods()) {
                    for (P to : b.pods()) {
                        pairs++;
                        if (c.probe(from, to, 2, 2000) > 0) answered++;
                        else silent.add(from.name() + "->" + to.name());
                    }
                }
            }
        }
        s.check(answered == pairs, "UDP echo (ping) between every cross-node pod pair: " + answered + " of " + pairs + " answered"
                + (silent.isEmpty() ? "" : "; silent: " + silent));
        N first = nodes.getFirst(), second = nodes.get(1), last = nodes.getLast();
        transfer(s, c, first.pod(1), second.pods().getLast(), 5001);
        transfer(s, c, last.pods().getLast(), first.pods().getLast(), 5002);
        Map<String, Long> after = packets(c);
        List<String> idle = new ArrayList<>();
        after.forEach((pair, n) -> {
            if (n <= before.getOrDefault(pair, 0L)) idle.add(pair);
        });
        s.check(idle.isEmpty(), "the traffic crossed inside ESP: every node's outbound SAs to every peer carried packets during it "
                + (idle.isEmpty() ? deltas(before, after) : "(not " + idle + ")"));
    }

    private static <N extends ClusterNode<P>, P extends ClusterPod> void transfer(ScenarioRun s, EncryptedCluster<N, P> c, P from, P to, int port) {
        LabTraffic.Transfer t = c.tcp(from, to, port, 1 << 20, Duration.ofSeconds(60));
        s.check(t.intact() && t.bytes() == 1 << 20, "TCP " + from.name() + " -> " + to.name() + ": " + t.describe());
    }

    /** Per ordered node pair, the packets the sender's outbound SAs have carried. */
    private static <N extends ClusterNode<P>, P extends ClusterPod> Map<String, Long> packets(EncryptedCluster<N, P> c) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (N a : c.nodes()) {
            KernelSas k = c.sas(a);
            for (N b : c.nodes()) if (a != b) m.put(a.name() + "->" + b.name(), k.packetsTo(a.underlayIp(), b.underlayIp()));
        }
        return m;
    }

    private static String deltas(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new LinkedHashMap<>();
        after.forEach((pair, n) -> d.put(pair, n - before.getOrDefault(pair, 0L)));
        return d.toString();
    }
}
