package dev.ward.agent.l7;

import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.bpf.lab.PodLab;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.identity.ReservedIdentity;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The L7 proxy learns a peer's identity from the kernel's ipcache on its own I/O thread: a datapath thread held by a
 * long reconcile delays no accepted connection (it used to wait for that thread, up to 2 s, and then treat the peer
 * as world).
 */
class AgentRedirectLookupTest {
    @Test
    void aPeersIdentityIsReadFromTheKernelWhileTheDatapathsThreadIsBusy() throws Exception {
        try (PodLab lab = PodLab.create(1)) {
            KernelDatapath kernel = KernelDatapath.around(lab.datapath());
            InetAddress peer = IpPrefix.address("10.99.0.7");
            kernel.call(dp -> {
                dp.ipcache().upsert(IpPrefix.parse("10.99.0.0/24"), 4242);
                return null;
            }).join();
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Object> busy = kernel.call(dp -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            try {
                AgentRedirectLookup lookup = new AgentRedirectLookup(kernel, new LocalVerdicts());
                long started = System.nanoTime();
                int identity = lookup.identity(peer);
                long tookMillis = (System.nanoTime() - started) / 1_000_000;
                assertEquals(4242, identity, "the kernel's longest-prefix match");
                assertTrue(tookMillis < 500, "answered in " + tookMillis + " ms, not after the busy datapath thread");
                assertEquals(ReservedIdentity.WORLD.id(), lookup.identity(IpPrefix.address("10.98.0.1")), "an address nobody holds is world");
                assertFalse(busy.isDone(), "the datapath's thread was busy all along");
            } finally {
                release.countDown();
                busy.join();
            }
        }
    }
}
