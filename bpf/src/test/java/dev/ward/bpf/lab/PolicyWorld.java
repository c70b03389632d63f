package dev.ward.bpf.lab;

import dev.ward.bpf.datapath.ApplyResult;
import dev.ward.bpf.datapath.Datapath;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Policy;

import java.util.HashMap;
import java.util.Map;

import static dev.ward.bpf.TestPolicies.pod;

/**
 * The agent's part in a datapath test: the policy engine, pods with identities registered as endpoints, their
 * addresses in the ipcache, and every engine change applied to the datapath (failing the test if it fails).
 */
public final class PolicyWorld {
    private final PodLab lab;
    private final PolicyEngine engine = new PolicyEngine("default");
    private final Map<Integer, Identity> podIdentity = new HashMap<>();

    public PolicyWorld(PodLab lab) {
        this.lab = lab;
    }

    public PolicyEngine engine() {
        return engine;
    }

    /** Gives pod {@code i} identity {@code id} with {@code labels}, attaches it and maps its addresses. */
    public Identity endpoint(int i, int id, String labels) {
        Identity identity = pod(id, labels);
        podIdentity.put(i, identity);
        engine.upsertIdentity(identity);
        Pod p = lab.pod(i);
        engine.upsertEndpoint(new LocalEndpoint(p.name(), identity));
        Datapath dp = lab.datapath();
        dp.ipcache().upsert(IpPrefix.host(p.ipv4()), id);
        dp.ipcache().upsert(IpPrefix.host(p.ipv6()), id);
        dp.attach(p.name(), p.veth(), id, engine.table(p.name()));
        return identity;
    }

    /** Another identity, not a local pod (e.g. a pod of another node). */
    public Identity identity(int id, String labels) {
        Identity identity = pod(id, labels);
        engine.upsertIdentity(identity);
        return identity;
    }

    public ApplyResult apply(EngineDelta delta) {
        if (!delta.accepted()) throw new AssertionError("engine rejected the change: " + delta.rejected());
        return lab.datapath().apply(delta).orThrow();
    }

    public ApplyResult upsert(Policy p) {
        return apply(engine.upsertPolicy(p));
    }

    public ApplyResult delete(Policy p) {
        return apply(engine.deletePolicy(p.key()));
    }
}
