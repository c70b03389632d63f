package dev.ward.policy.identity;

import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocation logic against the in-process store; the store adapters are tested against real servers. */
class ClusterIdentityAllocatorTest {
    private static LabelSet pod(String labels) {
        return LabelSet.parse("k8s:io.kubernetes.pod.namespace=default," + labels, "k8s");
    }

    @Test
    void sameIdentityLabelsGetTheSameNumberOnEveryNode() {
        InMemoryIdentityBackend store = new InMemoryIdentityBackend();
        ClusterIdentityAllocator node1 = new ClusterIdentityAllocator(store, "node1", 0, IdentityLabelFilter.DEFAULT);
        ClusterIdentityAllocator node2 = new ClusterIdentityAllocator(store, "node2", 0, IdentityLabelFilter.DEFAULT);
        Identity a = node1.acquire(pod("app=web,pod-template-hash=5d8f9"));
        Identity b = node2.acquire(pod("app=web,pod-template-hash=77aa1,controller-revision-hash=x"));
        assertEquals(a.id(), b.id(), "replica-specific labels are not identity labels");
        assertEquals(a.labels(), b.labels());
        assertEquals(Set.of("node1", "node2"), store.references(a.id()));
        assertNotEquals(a.id(), node1.acquire(pod("app=api")).id());
        assertTrue(a.id() >= IdentityNumbers.MIN_CLUSTER_LOCAL && a.id() <= IdentityNumbers.MAX_CLUSTER_LOCAL);
    }

    @Test
    void clusterIdIsInBits16To23() {
        InMemoryIdentityBackend store = new InMemoryIdentityBackend();
        Identity id = new ClusterIdentityAllocator(store, "n", 7, IdentityLabelFilter.DEFAULT).acquire(pod("app=web"));
        assertEquals(7, IdentityNumbers.clusterId(id.id()));
        assertEquals(7 << 16, id.id() & 0xFF0000);
        assertTrue(IdentityNumbers.localPart(id.id()) >= 256);
        assertThrows(IllegalArgumentException.class, () -> new ClusterIdentityAllocator(store, "n", 256, IdentityLabelFilter.DEFAULT));
    }

    @Test
    void reservedLabelSetsMapToReservedIdentitiesWithoutTheStore() {
        InMemoryIdentityBackend store = new InMemoryIdentityBackend();
        ClusterIdentityAllocator a = new ClusterIdentityAllocator(store, "n", 0, IdentityLabelFilter.DEFAULT);
        assertEquals(1, a.acquire(LabelSet.of(Label.reserved("host"), Label.k8s("node-role", "worker"))).id());
        assertEquals(2, a.acquire(LabelSet.of(Label.reserved("world"))).id());
        assertEquals(4, a.acquire(LabelSet.of(Label.reserved("health"))).id());
        assertEquals(6, a.acquire(LabelSet.of(Label.reserved("remote-node"))).id());
        assertEquals(7, a.acquire(LabelSet.of(Label.reserved("kube-apiserver"))).id());
        assertEquals(8, a.acquire(LabelSet.of(Label.reserved("ingress"))).id());
        assertEquals(5, a.acquire(LabelSet.of(Label.k8s("pod-template-hash", "x"))).id(), "no identity labels: init");
        assertTrue(store.allocated().isEmpty());
    }

    @Test
    void referencesAreCountedAndUnreferencedIdentitiesCollected() {
        InMemoryIdentityBackend store = new InMemoryIdentityBackend();
        ClusterIdentityAllocator node1 = new ClusterIdentityAllocator(store, "node1", 0, IdentityLabelFilter.DEFAULT);
        ClusterIdentityAllocator node2 = new ClusterIdentityAllocator(store, "node2", 0, IdentityLabelFilter.DEFAULT);
        Identity a = node1.acquire(pod("app=web"));
        node1.acquire(pod("app=web"));
        node2.acquire(pod("app=web"));
        node1.release(a);
        assertEquals(Set.of("node1", "node2"), store.references(a.id()), "node1 still has one user");
        node1.release(a);
        assertEquals(Set.of("node2"), store.references(a.id()));
        IdentityGarbageCollector gc = new IdentityGarbageCollector(store, 0);
        assertEquals(0, gc.run(), "node2 still references it");
        assertEquals(0, gc.run());
        node2.release(a);
        assertEquals(0, gc.run(), "first seen unreferenced: marked, kept for one interval");
        assertEquals(1, gc.run());
        assertTrue(store.allocated().isEmpty());
        assertThrows(IllegalStateException.class, () -> node2.release(a));
        // Labels seen again later get an identity again (not necessarily the same number).
        assertTrue(node2.acquire(pod("app=web")).id() >= 256);
    }

    @Test
    void aRestartingNodeKeepsItsIdentitiesAcrossOneCollection() {
        InMemoryIdentityBackend store = new InMemoryIdentityBackend();
        IdentityGarbageCollector gc = new IdentityGarbageCollector(store, 0);
        Identity a = new ClusterIdentityAllocator(store, "node1", 0, IdentityLabelFilter.DEFAULT).acquire(pod("app=web"));
        store.removeReference(a.id(), "node1");
        assertEquals(0, gc.run());
        Identity again = new ClusterIdentityAllocator(store, "node1", 0, IdentityLabelFilter.DEFAULT).acquire(pod("app=web"));
        assertEquals(a.id(), again.id());
        assertEquals(0, gc.run());
        assertEquals(0, gc.run());
        assertEquals(Set.of("node1"), store.references(a.id()));
    }

    @Test
    void aCollectedIdentityIsNeverHandedOut() {
        InMemoryIdentityBackend store = new InMemoryIdentityBackend();
        // The id stands for other labels now: referencing it for the old key must fail, never succeed silently.
        store.claim(300, "k8s:app=old");
        assertThrows(IdentityBackend.IdentityGoneException.class, () -> store.addReference(300, "k8s:app=new", "n"));
        assertTrue(store.deleteIfUnreferenced(300));
        assertThrows(IdentityBackend.IdentityGoneException.class, () -> store.addReference(300, "k8s:app=old", "n"));
    }

    @Test
    void concurrentAllocatorsNeverShareANumberBetweenLabelSets() throws Exception {
        InMemoryIdentityBackend store = new InMemoryIdentityBackend();
        int nodes = 6;
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        List<Future<Map<String, Integer>>> results = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            ClusterIdentityAllocator alloc = new ClusterIdentityAllocator(store, "node" + n, 0, IdentityLabelFilter.DEFAULT);
            int node = n;
            results.add(pool.submit(() -> {
                Map<String, Integer> seen = new HashMap<>();
                for (int i = 0; i < 300; i++) {
                    String labels = "app=a" + ((i * 7 + node) % 120);
                    seen.put(labels, alloc.acquire(pod(labels)).id());
                }
                return seen;
            }));
        }
        Map<String, Integer> byLabels = new HashMap<>();
        Map<Integer, String> byId = new HashMap<>();
        for (Future<Map<String, Integer>> f : results) {
            for (Map.Entry<String, Integer> e : f.get().entrySet()) {
                Integer prev = byLabels.putIfAbsent(e.getKey(), e.getValue());
                assertTrue(prev == null || prev.equals(e.getValue()), e.getKey() + " got two numbers");
                String prevLabels = byId.putIfAbsent(e.getValue(), e.getKey());
                assertTrue(prevLabels == null || prevLabels.equals(e.getKey()), e.getValue() + " given to two label sets");
            }
        }
        pool.shutdown();
        assertEquals(120, byLabels.size());
        assertEquals(120, store.allocated().size());
    }
}
