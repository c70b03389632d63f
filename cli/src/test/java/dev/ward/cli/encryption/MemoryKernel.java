package dev.ward.cli.encryption;

import dev.ward.agent.encryption.DataplaneDiff;
import dev.ward.agent.encryption.DataplaneKernel;
import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.PolicySelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A node's xfrm state as plain maps, for driving real agents from the CLI tests without a kernel. */
public final class MemoryKernel implements DataplaneKernel {
    private final Map<KernelSa.Slot, KernelSa> sas = new HashMap<>();
    private final Map<PolicySelector, DataplanePolicy> policies = new HashMap<>();

    @Override
    public synchronized List<KernelSa> installedSas() {
        return new ArrayList<>(sas.values());
    }

    @Override
    public synchronized List<DataplanePolicy> installedPolicies() {
        return new ArrayList<>(policies.values());
    }

    @Override
    public synchronized void apply(DataplaneDiff diff) {
        diff.removeSas().forEach(sa -> sas.remove(sa.slot()));
        diff.addSas().forEach(sa -> sas.put(sa.slot(), sa));
        diff.removePolicies().forEach(policy -> policies.remove(policy.selector()));
        diff.addPolicies().forEach(policy -> policies.put(policy.selector(), policy));
    }
}
