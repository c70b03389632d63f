package dev.ward.dnsproxy.standalone;

import dev.ward.dnsproxy.snapshot.DnsSnapshot;

/**
 * A datapath that needs more of the agent's snapshot than the policy engine takes (the proxy ports redirect rows point
 * at) and the port the standalone proxy listens on. Both calls come on the proxy's engine thread, the snapshot before
 * anything learned under it is written.
 */
public interface SnapshotFollower {
    void snapshotInForce(DnsSnapshot snapshot);

    void listening(int port);

    SnapshotFollower NONE = new SnapshotFollower() {
        @Override
        public void snapshotInForce(DnsSnapshot snapshot) {}

        @Override
        public void listening(int port) {}
    };
}
