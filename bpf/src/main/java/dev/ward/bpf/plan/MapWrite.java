package dev.ward.bpf.plan;

import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.model.Direction;

/** One write to one of the datapath's maps. */
public sealed interface MapWrite {
    /** Writes (or overwrites) one port prefix of an endpoint's policy map. */
    record PolicyUpsert(String endpoint, PolicyKey key, PolicyValue value) implements MapWrite {}

    record PolicyDelete(String endpoint, PolicyKey key) implements MapWrite {}

    /** Turns default deny on or off for one direction of an endpoint. */
    record Enforcement(String endpoint, Direction direction, boolean enforced) implements MapWrite {}

    record IpCacheUpsert(IpPrefix prefix, int identity) implements MapWrite {}

    record IpCacheDelete(IpPrefix prefix) implements MapWrite {}
}
