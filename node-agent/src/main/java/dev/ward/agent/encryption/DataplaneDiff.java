package dev.ward.agent.encryption;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the kernel differs from what a node wants: SAs and policies to keep, remove and add. Only Ward's own
 * entries may be passed in as observed (the xfrm layer filters the dump by Ward's marker).
 *
 * <p>SAs compare on everything the kernel holds (addresses, SPI, key), so an SA left over from an old epoch
 * or another agent run is removed even where its (destination, SPI) slot is wanted again, under a new key.
 * Policies are keyed by selector: a wanted policy whose selector already holds a different one is an "add"
 * that replaces it in place (xfrm update), so traffic never falls through to the block policy.
 *
 * <p>Apply in this order: {@link #slotConflicts()} removals, SA additions, policy additions, policy removals,
 * the other SA removals. New SAs exist before a policy points at them, and no SA goes away while a policy
 * might still use it.
 */
public record DataplaneDiff(List<KernelSa> keepSas, List<KernelSa> removeSas, List<KernelSa> addSas,
                            List<DataplanePolicy> keepPolicies, List<DataplanePolicy> removePolicies,
                            List<DataplanePolicy> addPolicies) {

    public static DataplaneDiff between(Dataplane desired, Collection<KernelSa> observedSas,
                                        Collection<DataplanePolicy> observedPolicies) {
        return between(desired.inKernel(), KernelDataplane.of(observedSas, observedPolicies));
    }

    /** From {@code observed} (the kernel as read, or as last written) to {@code desired}. */
    public static DataplaneDiff between(KernelDataplane desired, KernelDataplane observed) {
        Collection<KernelSa> observedSas = observed.sas();
        Collection<DataplanePolicy> observedPolicies = observed.policies();
        Set<KernelSa> wanted = new HashSet<>(desired.sas());
        Set<KernelSa> present = new HashSet<>(observedSas);
        List<KernelSa> keepSas = new ArrayList<>();
        List<KernelSa> removeSas = new ArrayList<>();
        List<KernelSa> addSas = new ArrayList<>();
        for (KernelSa sa : present) {
            (wanted.contains(sa) ? keepSas : removeSas).add(sa);
        }
        for (KernelSa sa : wanted) {
            if (!present.contains(sa)) {
                addSas.add(sa);
            }
        }

        Map<PolicySelector, DataplanePolicy> observedBySelector = new HashMap<>();
        observedPolicies.forEach(policy -> observedBySelector.put(policy.selector(), policy));
        Set<PolicySelector> wantedSelectors = new HashSet<>();
        List<DataplanePolicy> keepPolicies = new ArrayList<>();
        List<DataplanePolicy> addPolicies = new ArrayList<>();
        for (DataplanePolicy policy : desired.policies()) {
            wantedSelectors.add(policy.selector());
            (policy.equals(observedBySelector.get(policy.selector())) ? keepPolicies : addPolicies).add(policy);
        }
        List<DataplanePolicy> removePolicies = observedPolicies.stream()
                .filter(policy -> !wantedSelectors.contains(policy.selector())).toList();
        return new DataplaneDiff(List.copyOf(keepSas), List.copyOf(removeSas), List.copyOf(addSas),
                List.copyOf(keepPolicies), removePolicies, List.copyOf(addPolicies));
    }

    /** SAs to remove first, because an SA to add needs their (destination, SPI) slot. */
    public List<KernelSa> slotConflicts() {
        Set<KernelSa.Slot> needed = new HashSet<>();
        addSas.forEach(sa -> needed.add(sa.slot()));
        return removeSas.stream().filter(sa -> needed.contains(sa.slot())).toList();
    }

    @Override
    public String toString() {
        return "+" + addSas.size() + " -" + removeSas.size() + " SAs, +" + addPolicies.size() + " -" + removePolicies.size() + " policies";
    }

    public boolean isEmpty() {
        return removeSas.isEmpty() && addSas.isEmpty() && removePolicies.isEmpty() && addPolicies.isEmpty();
    }
}
