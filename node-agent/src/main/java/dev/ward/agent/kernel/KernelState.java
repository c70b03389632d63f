package dev.ward.agent.kernel;

/**
 * One piece of datapath state as the kernel holds it (the xfrm SAs and policies of a node; a BPF map), seen by
 * {@link KernelReconciler}: read it in full, say what differs, apply a difference.
 *
 * @param <S> the state: a value with equals, holding only the agent's own entries
 * @param <D> a difference between two states, in the form the kernel applies
 */
public interface KernelState<S, D> {
    /** What the kernel holds now, read in full (a netlink dump, a map walk): the expensive call. */
    S read();

    /** What turns {@code actual} into {@code desired}. Pure. */
    D diff(S desired, S actual);

    boolean isEmpty(D diff);

    /**
     * Applies a difference. On failure, the exception names what the kernel refused; the rest may have been applied,
     * so the caller no longer knows the kernel's state.
     */
    void apply(D diff);
}
