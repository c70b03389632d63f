package dev.ward.agent.ipcache;

import dev.ward.agent.datapath.IpcacheDelta;
import dev.ward.agent.datapath.IpcacheEntry;
import dev.ward.netlink.IpPrefix;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ClusterIpcacheTest {
    private static final IpPrefix A = IpPrefix.parse("10.244.2.5/32");
    private static final IpPrefix B = IpPrefix.parse("10.244.2.6/32");

    private static EndpointRecords.Change record(String node, long version, NodeEndpoints.Published... eps) {
        return new EndpointRecords.Change(node, version, new NodeEndpoints(node, List.of(eps)));
    }

    private static NodeEndpoints.Published ep(String name, int identity, IpPrefix... addresses) {
        return new NodeEndpoints.Published(name, java.util.Arrays.stream(addresses).map(IpPrefix::toString).toList(), identity);
    }

    @Test
    void anotherNodesRecordBecomesEntriesWithItsNodeAndChangesOnlyWhatChanged() {
        ClusterIpcache c = new ClusterIpcache("n1");
        IpcacheDelta first = c.nodeChanged(record("n2", 10, ep("default/a", 300, A), ep("default/b", 301, B)));
        assertEquals(Map.of(A, new IpcacheEntry(300, "n2"), B, new IpcacheEntry(301, "n2")), first.upserts());
        IpcacheDelta relabel = c.nodeChanged(record("n2", 11, ep("default/a", 302, A), ep("default/b", 301, B)));
        assertEquals(Map.of(A, new IpcacheEntry(302, "n2")), relabel.upserts(), "only the relabelled pod's entry is written");
        assertTrue(relabel.removals().isEmpty());
        IpcacheDelta stale = c.nodeChanged(record("n2", 9, ep("default/a", 300, A)));
        assertTrue(stale.isEmpty(), "an older version of a record never undoes a newer one");
        IpcacheDelta gone = c.nodeChanged(new EndpointRecords.Change("n2", 12, null));
        assertEquals(Set.of(A, B), gone.removals());
        assertTrue(c.entries().isEmpty());
    }

    @Test
    void aLocalEndpointWinsAndTheLatestRecordWinsAmongOtherNodes() {
        ClusterIpcache c = new ClusterIpcache("n1");
        c.nodeChanged(record("n2", 10, ep("default/old", 300, A)));
        IpcacheDelta moved = c.nodeChanged(record("n3", 20, ep("default/new", 400, A)));
        assertEquals(Map.of(A, new IpcacheEntry(400, "n3")), moved.upserts(), "a dead node's stale record loses to the newer one");
        IpcacheDelta local = c.localEndpoint("default/here", List.of(A), 500);
        assertEquals(Map.of(A, new IpcacheEntry(500, "n1")), local.upserts());
        assertTrue(c.nodeChanged(record("n1", 30, ep("default/here", 999, A))).isEmpty(), "this node's own record is not read back");
        IpcacheDelta back = c.localEndpointGone("default/here");
        assertEquals(Map.of(A, new IpcacheEntry(400, "n3")), back.upserts(), "when the local pod goes, the address is the other node's again");
        c.nodeChanged(new EndpointRecords.Change("n3", 21, null));
        assertEquals(Map.of(A, new IpcacheEntry(300, "n2")), c.entries());
    }

    @Test
    void aRecordWithABadAddressKeepsItsGoodOnes() {
        ClusterIpcache c = new ClusterIpcache("n1");
        IpcacheDelta d = c.nodeChanged(new EndpointRecords.Change("n2", 1, new NodeEndpoints("n2",
                List.of(new NodeEndpoints.Published("default/a", List.of("not-an-ip", "10.244.2.5/32"), 300)))));
        assertEquals(Map.of(A, new IpcacheEntry(300, "n2")), d.upserts());
    }
}
