package dev.ward.cli.status;

import dev.ward.keyd.NodeRecord;
import dev.ward.store.ClusterStore;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What every section of one {@code wardctl status} run shares.
 *
 * @param store         the cluster's store, open for the run
 * @param now           one instant for the whole report
 * @param svidWarning   an SVID with less than this left counts as a problem (its agent renews at half its lifetime)
 * @param nodeRecords   keyd's node records by node: sections use them to tell revoked nodes apart
 * @param reportMaxAge  a report its agent rewrites periodically (the datapath's) is stale when older than this
 */
public record StatusContext(ClusterStore store, Instant now, Duration svidWarning, Map<String, NodeRecord> nodeRecords, Duration reportMaxAge) {
    public boolean revoked(String node) {
        NodeRecord r = nodeRecords.get(node);
        return r != null && r.revoked();
    }
}
