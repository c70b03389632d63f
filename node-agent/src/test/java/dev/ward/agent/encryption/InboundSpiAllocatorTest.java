package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InboundSpiAllocatorTest {

    /**
     * 1,000 nodes, each with two coexisting epochs (mid-rotation everywhere), so every receiver holds four SAs
     * from each of its 999 peers: every (sender epoch, receiver epoch) combination.
     */
    @Test
    void spisAreUniquePerReceiverInAThousandNodeMeshWithTwoCoexistingEpochs() {
        Random random = new Random(7);
        int nodes = 1000;
        List<String> names = new ArrayList<>();
        long[] epochs = new long[nodes];
        for (int i = 0; i < nodes; i++) {
            names.add("ip-10-" + (i / 250) + "-" + (i % 250) + ".ec2.internal");
            epochs[i] = 1 + random.nextInt(1000);
        }
        for (int r = 0; r < nodes; r++) {
            String receiver = names.get(r);
            InboundSpiAllocator allocator = new InboundSpiAllocator(receiver);
            Set<Long> spis = new HashSet<>();
            for (int s = 0; s < nodes; s++) {
                if (s == r) {
                    continue;
                }
                for (long a = epochs[s]; a <= epochs[s] + 1; a++) {
                    for (long b = epochs[r]; b <= epochs[r] + 1; b++) {
                        PeerSaId sa = new PeerSaId(names.get(s), a, receiver, b);
                        Spi spi = allocator.allocate(sa);
                        assertTrue(spi.value() >= 256);
                        if (!spis.add(spi.value())) {
                            throw new AssertionError("SPI " + spi + " given twice at " + receiver);
                        }
                    }
                }
            }
            assertEquals((nodes - 1) * 4, spis.size());
            assertEquals((nodes - 1) * 4, allocator.size());
        }
    }

    @Test
    void allocationIsDeterministicAndStableWhileHeld() {
        PeerSaId sa = new PeerSaId("node-a", 4, "node-b", 9);
        InboundSpiAllocator one = new InboundSpiAllocator("node-b");
        InboundSpiAllocator two = new InboundSpiAllocator("node-b");
        assertEquals(InboundSpiAllocator.preferred(sa), one.allocate(sa));
        assertEquals(one.allocate(sa), two.allocate(sa));
        assertEquals(one.allocate(sa), one.allocate(sa), "the same SA keeps its SPI");
        assertNotEquals(InboundSpiAllocator.preferred(sa), InboundSpiAllocator.preferred(new PeerSaId("node-a", 5, "node-b", 9)));
    }

    /** node-22198 and node-82674 hash to the same SPI at "receiver" (found by a birthday search). */
    @Test
    void aHashCollisionIsResolvedByProbingAndTheSpiIsFreedOnRelease() {
        PeerSaId first = new PeerSaId("node-22198", 1, "receiver", 1);
        PeerSaId second = new PeerSaId("node-82674", 1, "receiver", 1);
        Spi shared = InboundSpiAllocator.preferred(first);
        assertEquals(shared, InboundSpiAllocator.preferred(second), "premise: the two SAs collide");

        InboundSpiAllocator allocator = new InboundSpiAllocator("receiver");
        assertEquals(shared, allocator.allocate(first));
        assertEquals(shared.next(), allocator.allocate(second));
        assertEquals(second, allocator.saOf(shared.next()).orElseThrow());

        allocator.release(first);
        PeerSaId third = new PeerSaId("node-22198", 1, "receiver", 1);
        assertEquals(shared, allocator.allocate(third), "a released SPI is free again");
    }

    @Test
    void probingWrapsFromTheTopOfTheSpaceTo256() {
        assertEquals(new Spi(256), new Spi(0xFFFF_FFFFL).next());
        assertThrows(IllegalArgumentException.class, () -> new Spi(255));
        assertThrows(IllegalArgumentException.class, () -> new Spi(0x1_0000_0000L));
    }

    @Test
    void claimRestoresAnSpiAndRefusesToShareOne() {
        InboundSpiAllocator allocator = new InboundSpiAllocator("b");
        PeerSaId old = new PeerSaId("a", 1, "b", 1);
        PeerSaId other = new PeerSaId("c", 1, "b", 1);
        allocator.claim(old, new Spi(0x1234));
        assertEquals(new Spi(0x1234), allocator.allocate(old));
        var clash = assertThrows(IllegalStateException.class, () -> allocator.claim(other, new Spi(0x1234)));
        assertTrue(clash.getMessage().contains("a#1->b#1"), clash.getMessage());
        var notHere = assertThrows(IllegalArgumentException.class, () -> allocator.allocate(new PeerSaId("b", 1, "a", 1)));
        assertTrue(notHere.getMessage().contains("only for SAs it receives"), notHere.getMessage());
    }
}
