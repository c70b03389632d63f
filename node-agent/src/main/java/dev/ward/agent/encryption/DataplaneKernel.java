package dev.ward.agent.encryption;

import java.util.List;

/**
 * The kernel side of a node's encryption dataplane, as the agent sees it: Ward's own SAs and policies as they
 * are, and applying a diff against them. Kept to this so the agent's event loop is testable without a kernel.
 */
public interface DataplaneKernel {
    /** Ward's ESP SAs in the kernel (entries that are not Ward's are never returned). */
    List<KernelSa> installedSas();

    /** Ward's xfrm policies in the kernel. */
    List<DataplanePolicy> installedPolicies();

    /**
     * Applies the diff in the order {@link DataplaneDiff} documents. Entries the kernel refuses are reported in
     * the exception, naming each; the rest stay as the kernel applied them.
     */
    void apply(DataplaneDiff diff);
}
