package dev.ward.lab;

import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowDetail;
import dev.ward.agent.flows.FlowJson;
import dev.ward.agent.flows.FlowPeer;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The monitor check of rule1's scenario on flows as {@code wardctl monitor -o json} prints them: it finds the xwing's
 * default-deny drop and the tiefighter's forward by rule1, and misses each when one of the things it checks differs.
 */
class MonitoredFlowsTest {
    private static final InetAddress XWING = IpPrefix.address("10.244.1.12"), TIEFIGHTER = IpPrefix.address("10.244.1.11"),
            DEATHSTAR = IpPrefix.address("10.244.2.21");
    private static final List<String> XWING_LABELS = List.of("k8s:class=xwing", "k8s:io.kubernetes.pod.namespace=default", "k8s:org=alliance"),
            EMPIRE_LABELS = List.of("k8s:class=tiefighter", "k8s:io.kubernetes.pod.namespace=default", "k8s:org=empire"),
            DEATHSTAR_LABELS = List.of("k8s:class=deathstar", "k8s:io.kubernetes.pod.namespace=default", "k8s:org=empire");
    private static final String RULE1 = "CiliumNetworkPolicy/default/rule1 ";

    private static final MonitoredFlows.Expected XWING_DENIED = new MonitoredFlows.Expected(FlowVerdict.DROPPED, XWING, StarWars.XWING_LABELS,
            DEATHSTAR, 80, StarWars.DEATHSTAR_LABELS, "default/deathstar", "policy_default_deny", null);
    private static final MonitoredFlows.Expected TIEFIGHTER_ALLOWED = new MonitoredFlows.Expected(FlowVerdict.FORWARDED, TIEFIGHTER,
            StarWars.TIEFIGHTER_LABELS, DEATHSTAR, 80, StarWars.DEATHSTAR_LABELS, "default/deathstar", null, RULE1);

    private static Flow flow(FlowVerdict verdict, Direction direction, InetAddress from, int fromIdentity, List<String> fromLabels, int port,
                             String reason, List<String> rules) {
        return new Flow(Instant.parse("2026-12-02T16:43:12.341Z"), "n2", verdict, direction, new FlowPeer(from, 56066, fromIdentity, fromLabels, null),
                new FlowPeer(DEATHSTAR, port, 1003, DEATHSTAR_LABELS, "default/deathstar"), "TCP", reason, rules,
                new FlowDetail.L3L4("new", 0, 0, 74, 0, 0));
    }

    private static Flow xwingDrop() {
        return flow(FlowVerdict.DROPPED, Direction.INGRESS, XWING, 1002, XWING_LABELS, 80, "policy_default_deny", List.of());
    }

    private static Flow tiefighterForward() {
        return flow(FlowVerdict.FORWARDED, Direction.INGRESS, TIEFIGHTER, 1001, EMPIRE_LABELS, 80, null, List.of(RULE1 + "spec.ingress[0]"));
    }

    private static MonitoredFlows printed(Flow... flows) {
        StringBuilder out = new StringBuilder("Defaulted container \"agent\" out of: agent\n"); // what kubectl exec adds
        for (Flow f : flows) out.append(FlowJson.toLine(f)).append('\n');
        return MonitoredFlows.parse(out.toString());
    }

    @Test
    void findsTheDeniedAndTheAllowedFlowAmongWhatMonitorPrinted() {
        MonitoredFlows m = printed(tiefighterForward(), xwingDrop());
        assertEquals(2, m.flows().size(), "the line that is not JSON is left out");
        assertEquals(xwingDrop(), m.find(XWING_DENIED).orElseThrow());
        assertEquals(tiefighterForward(), m.find(TIEFIGHTER_ALLOWED).orElseThrow());
        String line = MonitoredFlows.describe(xwingDrop());
        assertTrue(line.startsWith("dropped ingress TCP 10.244.1.12:56066 (identity 1002 [k8s:class=xwing,") && line.contains(
                "-> 10.244.2.21:80 (default/deathstar identity 1003 [k8s:class=deathstar") && line.endsWith("reason policy_default_deny"), line);
    }

    @Test
    void missesAFlowThatDiffersInAnythingItChecks() {
        Flow d = xwingDrop();
        List<Flow> wrong = List.of(
                flow(FlowVerdict.FORWARDED, Direction.INGRESS, XWING, 1002, XWING_LABELS, 80, "policy_default_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.EGRESS, XWING, 1002, XWING_LABELS, 80, "policy_default_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.INGRESS, TIEFIGHTER, 1002, XWING_LABELS, 80, "policy_default_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.INGRESS, XWING, 0, XWING_LABELS, 80, "policy_default_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.INGRESS, XWING, 1003, XWING_LABELS, 80, "policy_default_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.INGRESS, XWING, 1002, List.of("k8s:class=xwing"), 80, "policy_default_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.INGRESS, XWING, 1002, XWING_LABELS, 8080, "policy_default_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.INGRESS, XWING, 1002, XWING_LABELS, 80, "policy_deny", List.of()),
                flow(FlowVerdict.DROPPED, Direction.INGRESS, XWING, 1002, XWING_LABELS, 80, "policy_default_deny", List.of(RULE1 + "spec.ingress[0]")),
                d.withPeers(d.source(), d.destination().withLabels(EMPIRE_LABELS)),
                d.withPeers(d.source(), d.destination().withEndpoint("default/other")),
                d.withPeers(new FlowPeer(XWING, 0, 1002, XWING_LABELS, null), d.destination()));
        for (Flow f : wrong) assertTrue(printed(f).find(XWING_DENIED).isEmpty(), "must not match: " + MonitoredFlows.describe(f));
        Flow noRule = flow(FlowVerdict.FORWARDED, Direction.INGRESS, TIEFIGHTER, 1001, EMPIRE_LABELS, 80, null, List.of());
        Flow otherRule = flow(FlowVerdict.FORWARDED, Direction.INGRESS, TIEFIGHTER, 1001, EMPIRE_LABELS, 80, null,
                List.of("CiliumNetworkPolicy/default/rule10 spec.ingress[0]"));
        assertTrue(printed(noRule, otherRule).find(TIEFIGHTER_ALLOWED).isEmpty(), "an allow must name rule1 itself");
    }

    @Test
    void aJsonLineThatIsNoFlowIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MonitoredFlows.parse("{\"type\":\"l3l4\"}\n"));
        assertTrue(e.getMessage().contains("not a flow") && e.getMessage().contains("{\"type\":\"l3l4\"}"), e.getMessage());
        assertThrows(java.io.UncheckedIOException.class, () -> MonitoredFlows.parse("{not json\n"));
    }
}
