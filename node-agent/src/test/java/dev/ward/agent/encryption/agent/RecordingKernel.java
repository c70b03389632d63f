package dev.ward.agent.encryption.agent;

import dev.ward.agent.encryption.DataplaneDiff;
import dev.ward.agent.encryption.DataplaneKernel;
import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.PolicySelector;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's xfrm state in memory, with the kernel's rules that matter here: one SA per (destination, SPI), one
 * policy per selector (an add replaces). Applies a diff in the order {@link DataplaneDiff} documents and lets
 * the {@link KernelMesh} check the whole mesh after every step. It outlives agents, as a kernel outlives a
 * restarted agent process.
 */
final class RecordingKernel implements DataplaneKernel {
    private final String node;
    private final KernelMesh mesh;
    private final Map<KernelSa.Slot, KernelSa> sas = new LinkedHashMap<>();
    private final Map<PolicySelector, DataplanePolicy> policies = new LinkedHashMap<>();
    private final List<KernelSa> removed = new ArrayList<>();
    private int applies;
    private int dumps;
    private int failures;
    private int refused;

    RecordingKernel(String node, KernelMesh mesh) {
        this.node = node;
        this.mesh = mesh;
    }

    String node() {
        return node;
    }

    @Override
    public List<KernelSa> installedSas() {
        synchronized (mesh) {
            dumps++;
            return List.copyOf(sas.values());
        }
    }

    @Override
    public List<DataplanePolicy> installedPolicies() {
        synchronized (mesh) {
            return List.copyOf(policies.values());
        }
    }

    @Override
    public void apply(DataplaneDiff diff) {
        synchronized (mesh) {
            applies++;
            if (failures > 0) {
                failures--;
                refused++;
                throw new IllegalStateException("ENOBUFS: " + node + "'s kernel refuses the change (injected)");
            }
            Set<KernelSa> conflicts = new HashSet<>(diff.slotConflicts());
            conflicts.forEach(this::remove);
            mesh.check(this, "removing slot conflicts");
            for (KernelSa sa : diff.addSas()) {
                if (sas.containsKey(sa.slot())) {
                    throw new IllegalStateException("EEXIST: " + node + " already has an SA at " + sa.slot());
                }
                sas.put(sa.slot(), sa);
            }
            mesh.check(this, "adding SAs");
            diff.addPolicies().forEach(policy -> policies.put(policy.selector(), policy));
            mesh.check(this, "adding policies");
            diff.removePolicies().forEach(policy -> policies.remove(policy.selector()));
            mesh.check(this, "removing policies");
            diff.removeSas().stream().filter(sa -> !conflicts.contains(sa)).forEach(this::remove);
            mesh.check(this, "removing SAs");
        }
    }

    private void remove(KernelSa sa) {
        if (!sa.equals(sas.remove(sa.slot()))) {
            throw new IllegalStateException("ESRCH: " + node + " has no SA " + sa.slot());
        }
        removed.add(sa);
    }

    // ---- for tests

    List<DataplanePolicy> policies() {
        synchronized (mesh) {
            return List.copyOf(policies.values());
        }
    }

    KernelSa sa(KernelSa.Slot slot) {
        synchronized (mesh) {
            return sas.get(slot);
        }
    }

    boolean hasSlot(KernelSa.Slot slot) {
        return sas.containsKey(slot);
    }

    List<KernelSa> removed() {
        synchronized (mesh) {
            return List.copyOf(removed);
        }
    }

    /** How often the SAs were dumped (each dump carries every SA's key). */
    int dumps() {
        synchronized (mesh) {
            return dumps;
        }
    }

    int applies() {
        synchronized (mesh) {
            return applies;
        }
    }

    /** The next {@code count} applies fail, changing nothing. */
    void refuseNext(int count) {
        synchronized (mesh) {
            failures = count;
        }
    }

    int refused() {
        synchronized (mesh) {
            return refused;
        }
    }

    /** SAs and policies of this kernel that involve the given underlay address or pod CIDR's peer. */
    List<Object> entriesWith(InetAddress peerUnderlay) {
        synchronized (mesh) {
            List<Object> found = new ArrayList<>();
            sas.values().stream().filter(sa -> sa.source().equals(peerUnderlay) || sa.destination().equals(peerUnderlay)).forEach(found::add);
            for (DataplanePolicy policy : policies.values()) {
                if (policy instanceof DataplanePolicy.Encrypt e && e.tunnel().remote().equals(peerUnderlay)
                        || policy instanceof DataplanePolicy.RequireEsp r && r.tunnelSource().equals(peerUnderlay)) {
                    found.add(policy);
                }
            }
            return found;
        }
    }

    /** Behind the agent's back, as a crash or an operator might: an SA it never made, or one it made gone. */
    void inject(KernelSa sa) {
        synchronized (mesh) {
            sas.put(sa.slot(), sa);
        }
    }

    void lose(KernelSa sa) {
        synchronized (mesh) {
            mesh.tolerate(sa.slot());
            sas.remove(sa.slot());
        }
    }

    Map<KernelSa.Slot, KernelSa> snapshot() {
        synchronized (mesh) {
            return new HashMap<>(sas);
        }
    }
}
