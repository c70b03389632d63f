package dev.ward.policy.store;

import dev.ward.policy.identity.ClusterIdentityAllocator;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityBackend;
import dev.ward.policy.identity.IdentityGarbageCollector;
import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.label.LabelSet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every identity store must guarantee, run against each store adapter on a real (or mock CRUD) server. Each
 * {@link #newBackend(String)} call is one node's connection to the same store.
 */
abstract class IdentityBackendContract {

    /** A backend for {@code node}, sharing the store with every other backend of this test. */
    abstract IdentityBackend newBackend(String node) throws Exception;

    /** How many concurrent allocating nodes the concurrency test runs (kept modest on slow stores). */
    int concurrentNodes() {
        return 4;
    }

    int labelSetsPerNode() {
        return 40;
    }

    private static LabelSet pod(String labels) {
        return LabelSet.parse("k8s:io.kubernetes.pod.namespace=default," + labels, "k8s");
    }

    @Test
    void claimIsAtomicOnNumberAndLabels() throws Exception {
        IdentityBackend b = newBackend("n1");
        assertInstanceOf(IdentityBackend.Claim.Claimed.class, b.claim(300, "k8s:app=a"));
        assertInstanceOf(IdentityBackend.Claim.IdTaken.class, b.claim(300, "k8s:app=b"));
        IdentityBackend.Claim again = b.claim(301, "k8s:app=a");
        assertEquals(new IdentityBackend.Claim.KeyTaken(300), again);
        assertEquals(Optional.of(300), b.idForKey("k8s:app=a"));
        assertEquals(Optional.empty(), b.idForKey("k8s:app=b"));
        assertEquals(Map.of(300, "k8s:app=a"), b.allocated());
    }

    @Test
    void referencesAreSharedAndCollectionWaitsForTheLast() throws Exception {
        IdentityBackend n1 = newBackend("n1");
        IdentityBackend n2 = newBackend("n2");
        n1.claim(400, "k8s:app=web");
        n1.addReference(400, "k8s:app=web", "n1");
        n2.addReference(400, "k8s:app=web", "n2");
        assertEquals(Set.of("n1", "n2"), n1.references(400));
        assertThrows(IdentityBackend.IdentityGoneException.class, () -> n2.addReference(400, "k8s:app=api", "n2"));
        assertFalse(n1.deleteIfUnreferenced(400));
        n1.removeReference(400, "n1");
        n2.removeReference(400, "n2");
        assertTrue(n1.deleteIfUnreferenced(400));
        assertTrue(n1.allocated().isEmpty());
        assertEquals(Optional.empty(), n2.idForKey("k8s:app=web"));
        assertThrows(IdentityBackend.IdentityGoneException.class, () -> n2.addReference(400, "k8s:app=web", "n2"));
    }

    @Test
    void allocatorsOnTwoNodesAgreeAndGarbageIsCollected() throws Exception {
        IdentityBackend s1 = newBackend("node1");
        IdentityBackend s2 = newBackend("node2");
        ClusterIdentityAllocator a1 = new ClusterIdentityAllocator(s1, "node1", 3, IdentityLabelFilter.DEFAULT);
        ClusterIdentityAllocator a2 = new ClusterIdentityAllocator(s2, "node2", 3, IdentityLabelFilter.DEFAULT);
        Identity x = a1.acquire(pod("app=web,pod-template-hash=aaa"));
        Identity y = a2.acquire(pod("app=web,pod-template-hash=bbb"));
        assertEquals(x.id(), y.id());
        assertEquals(3, x.id() >>> 16);
        a1.release(x);
        a2.release(y);
        IdentityGarbageCollector gc = new IdentityGarbageCollector(s1, 3);
        assertEquals(0, gc.run());
        assertEquals(1, gc.run());
        assertTrue(s2.allocated().isEmpty());
    }

    @Test
    void concurrentAllocatorsOnSeveralNodesNeverDuplicateANumber() throws Exception {
        int nodes = concurrentNodes();
        int sets = labelSetsPerNode();
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        List<Future<Map<String, Integer>>> futures = new ArrayList<>();
        List<IdentityBackend> backends = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            IdentityBackend backend = newBackend("node" + n);
            backends.add(backend);
            ClusterIdentityAllocator alloc = new ClusterIdentityAllocator(backend, "node" + n, 0, IdentityLabelFilter.DEFAULT);
            int node = n;
            futures.add(pool.submit(() -> {
                Map<String, Integer> got = new HashMap<>();
                // Every node asks for every label set, each in its own order, so the races are real.
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < sets; i++) order.add(i);
                java.util.Collections.shuffle(order, new java.util.Random(node));
                for (int i : order) {
                    String labels = "app=s" + i;
                    got.put(labels, alloc.acquire(pod(labels)).id());
                }
                return got;
            }));
        }
        Map<String, Integer> idByLabels = new HashMap<>();
        Map<Integer, String> labelsById = new HashMap<>();
        for (Future<Map<String, Integer>> f : futures) {
            for (Map.Entry<String, Integer> e : f.get().entrySet()) {
                Integer prev = idByLabels.putIfAbsent(e.getKey(), e.getValue());
                assertTrue(prev == null || prev.equals(e.getValue()), e.getKey() + " got " + prev + " and " + e.getValue());
                String prevLabels = labelsById.putIfAbsent(e.getValue(), e.getKey());
                assertTrue(prevLabels == null || prevLabels.equals(e.getKey()), "number " + e.getValue() + " given to "
                        + prevLabels + " and " + e.getKey());
            }
        }
        pool.shutdown();
        Map<Integer, String> stored = backends.getFirst().allocated();
        assertEquals(sets, stored.size(), "one stored identity per label set, none left over from lost races");
        for (Map.Entry<Integer, String> e : stored.entrySet()) {
            assertEquals(nodes, backends.getFirst().references(e.getKey()).size(), "every node references " + e.getValue());
        }
    }
}
