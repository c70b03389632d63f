package dev.ward.agent.kernel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one piece of kernel state at what the agent wants. Every datapath table of Ward follows this pattern: the
 * xfrm SAs and policies of encryption today, the BPF maps of the datapath next.
 * <ol>
 * <li><b>Desired state.</b> After every event the agent computes the whole state it wants, from its own model, with
 *     no kernel call.</li>
 * <li><b>Incremental apply.</b> {@link #sync} diffs the desired state against what this reconciler last wrote (its
 *     record of the kernel) and applies only that: an event costs the entries it changes, not a dump of the table
 *     (for xfrm, a dump carries every SA's key).</li>
 * <li><b>Periodic reconcile.</b> {@link #reconcile} reads the kernel in full and repairs whatever differs from the
 *     desired state: entries removed or planted behind the agent's back, an SA the kernel expired. The agent calls
 *     it on a timer, as a safety net.</li>
 * </ol>
 * Until the first full read, and after an apply that failed (the kernel may hold part of it), there is no record:
 * the next {@link #sync} reads the kernel in full first. Not thread-safe: the agent's event loop calls it.
 */
public final class KernelReconciler<S, D> {
    private static final Logger LOG = LoggerFactory.getLogger(KernelReconciler.class);

    /** What one call did: the difference applied (empty: none), and whether a full read found drift. */
    public record Outcome<D>(D applied, boolean readInFull, boolean drifted) {}

    private final String what;
    private final KernelState<S, D> kernel;
    private S written;
    private long fullReads;
    private long driftsRepaired;

    /** @param what names the state in logs, e.g. "xfrm state of network namespace n1" */
    public KernelReconciler(String what, KernelState<S, D> kernel) {
        this.what = what;
        this.kernel = kernel;
    }

    /** Brings the kernel to {@code desired} by the difference from what was last written; a full read if unknown. */
    public Outcome<D> sync(S desired) {
        if (written == null) {
            return reconcile(desired);
        }
        D diff = kernel.diff(desired, written);
        apply(diff, desired);
        return new Outcome<>(diff, false, false);
    }

    /** Reads the kernel in full and repairs every difference from {@code desired}. */
    public Outcome<D> reconcile(S desired) {
        S actual = kernel.read();
        fullReads++;
        boolean drifted = written != null && !written.equals(actual);
        D diff = kernel.diff(desired, actual);
        if (drifted) {
            driftsRepaired++;
            LOG.warn("{} drifted from what the agent wrote (changed behind its back); repairing: {}", what, diff);
        }
        apply(diff, desired);
        return new Outcome<>(diff, true, drifted);
    }

    /** Forgets the record: the next {@link #sync} reads the kernel in full (e.g. after the kernel reported a loss). */
    public void invalidate() {
        written = null;
    }

    public long fullReads() {
        return fullReads;
    }

    public long driftsRepaired() {
        return driftsRepaired;
    }

    private void apply(D diff, S desired) {
        if (kernel.isEmpty(diff)) {
            written = desired;
            return;
        }
        written = null;
        kernel.apply(diff);
        written = desired;
    }
}
