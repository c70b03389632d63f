package dev.ward.lab;

import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.maps.PortPrefix;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy half of the agent crash scenario, on the deathstar's node with rule1 in force: the tiefighters' flows to
 * the deathstar (across nodes and on the node) and the xwings' connection attempts run while the agent is killed and
 * restarted; while it is down a stale allow is planted in the deathstar's pinned policy map. Afterwards: no segment of
 * the allowed flows was lost, no denied connection got through, and the restarted agent removed the stale entry.
 */
final class PolicyUnderRestart implements AutoCloseable {
    private final LabEnvironment env;
    private final StarWars sw;
    private final List<PodTcp.LineStream> allowed = new ArrayList<>();
    private final List<PodTcp.Prober> denied = new ArrayList<>();
    private final int endpointId;
    private final PolicyKey stale;

    private PolicyUnderRestart(LabEnvironment env, StarWars sw, int endpointId, int xwingIdentity) {
        this.env = env;
        this.sw = sw;
        this.endpointId = endpointId;
        // an allow for the xwings on a port nothing probes: planted, it opens no flow the scenario watches
        this.stale = new PolicyKey(xwingIdentity, Direction.INGRESS, Protocol.TCP, new PortPrefix(9999, 16));
    }

    static PolicyUnderRestart start(LabEnvironment env, StarWars sw) throws Exception {
        List<EndpointInfo> eps = ((ApiResponse.Ok) env.cluster().ask(sw.node(), new ApiRequest.ListEndpoints())).endpoints();
        EndpointInfo ds = eps.stream().filter(e -> e.name().equals(StarWars.endpoint(sw.deathstar()))).findFirst().orElseThrow();
        EndpointInfo xwing = eps.stream().filter(e -> e.name().equals(StarWars.endpoint(sw.localXwing()))).findFirst().orElseThrow();
        PolicyUnderRestart p = new PolicyUnderRestart(env, sw, ds.datapath().endpointId(), xwing.identity());
        try {
            for (LabNetwork.Pod t : List.of(sw.remoteTiefighter(), sw.localTiefighter())) {
                p.allowed.add(new PodTcp.LineStream(t, sw.deathstar(), StarWars.HTTP, 20));
            }
            for (LabNetwork.Pod x : List.of(sw.remoteXwing(), sw.localXwing())) p.denied.add(new PodTcp.Prober(x, sw.deathstar(), StarWars.HTTP, 300, 50));
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    String describe() {
        return "TCP flows " + allowed.stream().map(PodTcp.LineStream::name).toList() + " (allowed by rule1) and connection attempts "
                + denied.stream().map(PodTcp.Prober::name).toList() + " (denied)";
    }

    /** Behind the agent's back, while it is down: the stale allow. */
    String plantStale() {
        try (BpfMap m = map()) {
            m.update(stale.encode(), new PolicyValue(Verdict.Kind.ALLOW, 0, 0).encode());
        }
        return "planted a stale allow (" + stale + ") in the deathstar's pinned policy map ward_pol_" + endpointId;
    }

    boolean stalePresent() {
        try (BpfMap m = map()) {
            return m.lookup(stale.encode()) != null;
        }
    }

    private BpfMap map() {
        Path pin = env.cluster().pinRoot(sw.node()).resolve("ward_pol_" + endpointId);
        return BpfMap.owned(Libbpf.getPinned(pin.toString()), pin.getFileName().toString(), PolicyKey.SIZE, PolicyValue.SIZE);
    }

    /** After the restart: what the kernel held and what the traffic met. */
    void check(ScenarioRun s) throws Exception {
        s.check(StarWarsPolicyScenario.policy(env.cluster(), sw.node(), sw.deathstar()).matchesAgent(),
                "the deathstar's policy map holds exactly the restarted agent's table (read back through its API)");
        Thread.sleep(500);
        for (PodTcp.LineStream t : allowed) {
            t.stop(3000);
            PodTcp.Retransmits retrans = t.retransmits();
            s.check(t.problem() == null && t.echoed() == t.sent() && retrans.lost() == 0, "allowed through the crash and restart: " + t.describe()
                    + ", " + retrans.describe());
        }
        for (PodTcp.Prober p : denied) {
            p.close();
            s.check(p.attempts() > 5 && p.connected() == 0 && p.refused() == 0, "denied throughout: " + p.describe());
        }
    }

    @Override
    public void close() throws Exception {
        for (PodTcp.Prober p : denied) p.close();
        for (PodTcp.LineStream t : allowed) t.close();
    }
}
