package dev.ward.bpf.datapath;

import dev.ward.bpf.maps.EndpointValue;
import dev.ward.policy.model.Direction;

/** An endpoint as the endpoints map holds it (read back from the kernel): what {@code wardctl endpoint list} shows. */
public record EndpointRecord(String name, int endpointId, int ifindex, String veth, int identity, int flags) {
    static EndpointRecord of(int ifindex, EndpointValue v) {
        return new EndpointRecord(v.name(), v.endpointId(), ifindex, v.veth(), v.identity(), v.flags());
    }

    public boolean enforced(Direction d) {
        return (flags & EndpointValue.enforceFlag(d)) != 0;
    }

    /** Failed closed: every packet in {@code d} is dropped whatever the policy map says. */
    public boolean locked(Direction d) {
        return (flags & EndpointValue.lockFlag(d)) != 0;
    }

    EndpointValue value() {
        return new EndpointValue(endpointId, identity, flags, veth, name);
    }

    EndpointRecord withIdentity(int id) {
        return new EndpointRecord(name, endpointId, ifindex, veth, id, flags);
    }

    EndpointRecord withFlags(int f) {
        return new EndpointRecord(name, endpointId, ifindex, veth, identity, f);
    }
}
