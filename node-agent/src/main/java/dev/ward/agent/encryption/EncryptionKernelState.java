package dev.ward.agent.encryption;

import dev.ward.agent.kernel.KernelState;

/** The xfrm side of encryption as {@link dev.ward.agent.kernel.KernelReconciler} keeps it: dumps, diffs, applies. */
public final class EncryptionKernelState implements KernelState<KernelDataplane, DataplaneDiff> {
    private final DataplaneKernel kernel;

    public EncryptionKernelState(DataplaneKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public KernelDataplane read() {
        return KernelDataplane.of(kernel.installedSas(), kernel.installedPolicies());
    }

    @Override
    public DataplaneDiff diff(KernelDataplane desired, KernelDataplane actual) {
        return DataplaneDiff.between(desired, actual);
    }

    @Override
    public boolean isEmpty(DataplaneDiff diff) {
        return diff.isEmpty();
    }

    @Override
    public void apply(DataplaneDiff diff) {
        kernel.apply(diff);
    }
}
