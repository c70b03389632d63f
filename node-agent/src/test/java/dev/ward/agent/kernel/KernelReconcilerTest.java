package dev.ward.agent.kernel;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pattern every Ward datapath table follows, on a table of strings: incremental syncs, full reconciles. */
class KernelReconcilerTest {
    record Diff(Set<String> add, Set<String> remove) {}

    /** A kernel table that counts its full reads and can be made to refuse the next apply. */
    static final class Table implements KernelState<Set<String>, Diff> {
        final Set<String> entries = new HashSet<>();
        int reads;
        int applies;
        boolean refuseNext;

        @Override
        public Set<String> read() {
            reads++;
            return Set.copyOf(entries);
        }

        @Override
        public Diff diff(Set<String> desired, Set<String> actual) {
            Set<String> add = new HashSet<>(desired);
            add.removeAll(actual);
            Set<String> remove = new HashSet<>(actual);
            remove.removeAll(desired);
            return new Diff(add, remove);
        }

        @Override
        public boolean isEmpty(Diff diff) {
            return diff.add().isEmpty() && diff.remove().isEmpty();
        }

        @Override
        public void apply(Diff diff) {
            applies++;
            if (refuseNext) {
                refuseNext = false;
                entries.addAll(diff.add()); // half done, as a batch the kernel refused midway
                throw new IllegalStateException("ENOBUFS");
            }
            entries.removeAll(diff.remove());
            entries.addAll(diff.add());
        }
    }

    private final Table table = new Table();
    private final KernelReconciler<Set<String>, Diff> reconciler = new KernelReconciler<>("the test table", table);

    @Test
    void onlyTheFirstSyncReadsTheKernelTheRestApplyTheirDifference() {
        table.entries.add("left-over");
        reconciler.sync(Set.of("a"));
        assertEquals(Set.of("a"), table.entries, "the first sync reads in full, so the left-over goes");
        KernelReconciler.Outcome<Diff> next = reconciler.sync(Set.of("a", "b"));
        assertEquals(new Diff(Set.of("b"), Set.of()), next.applied());
        assertFalse(next.readInFull());
        reconciler.sync(Set.of("b"));
        assertEquals(Set.of("b"), table.entries);
        assertEquals(1, table.reads);
        assertEquals(3, table.applies);
    }

    @Test
    void aReconcileFindsAndRepairsWhatChangedBehindTheAgentsBack() {
        reconciler.sync(Set.of("a", "b"));
        assertFalse(reconciler.reconcile(Set.of("a", "b")).drifted(), "nothing changed");
        table.entries.remove("a");
        table.entries.add("planted");
        KernelReconciler.Outcome<Diff> repaired = reconciler.reconcile(Set.of("a", "b"));
        assertTrue(repaired.drifted());
        assertEquals(new Diff(Set.of("a"), Set.of("planted")), repaired.applied());
        assertEquals(Set.of("a", "b"), table.entries);
        assertEquals(1, reconciler.driftsRepaired());
    }

    @Test
    void afterARefusedApplyTheNextSyncReadsTheKernelInFull() {
        reconciler.sync(Set.of("a"));
        table.refuseNext = true;
        assertThrows(IllegalStateException.class, () -> reconciler.sync(Set.of("b")));
        int reads = table.reads;
        assertTrue(reconciler.sync(Set.of("b")).readInFull(), "the record is gone: the kernel may hold half of it");
        assertEquals(reads + 1, table.reads);
        assertEquals(Set.of("b"), table.entries);
    }
}
