package dev.ward.bpf.datapath;

import java.util.List;
import java.util.Set;

/**
 * What one apply or reconcile did: elements written or deleted, bpf() calls made (batches count once), time
 * taken, endpoints that failed (each left failed closed), ipcache prefixes that could not be written, and
 * endpoints whose map filled mid-change but took the whole change once written under a lock (they denied
 * traffic for that moment instead of showing a mix).
 */
public record ApplyResult(int writes, int syscalls, long nanos, List<EndpointDatapathException> failures,
                          List<IpCacheFullException> ipcacheFailures, Set<String> recoveredUnderLock) {
    public ApplyResult {
        failures = List.copyOf(failures);
        ipcacheFailures = List.copyOf(ipcacheFailures);
        recoveredUnderLock = Set.copyOf(recoveredUnderLock);
    }

    public boolean ok() {
        return failures.isEmpty() && ipcacheFailures.isEmpty();
    }

    /** Throws the first failure (the others are suppressed on it). */
    public ApplyResult orThrow() {
        if (ok()) return this;
        RuntimeException first = failures.isEmpty() ? ipcacheFailures.getFirst() : failures.getFirst();
        for (RuntimeException e : failures) if (e != first) first.addSuppressed(e);
        for (RuntimeException e : ipcacheFailures) if (e != first) first.addSuppressed(e);
        throw first;
    }
}
