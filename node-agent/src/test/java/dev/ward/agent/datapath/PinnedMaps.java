package dev.ward.agent.datapath;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.bpf.maps.IpCacheValue;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.netlink.IpPrefix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's pinned maps opened directly from the BPF filesystem, as another process (or an operator with bpftool)
 * would: to see what the kernel holds without asking the agent, and to change it behind the agent's back.
 */
final class PinnedMaps {
    private final Path pinRoot;

    PinnedMaps(Path pinRoot) {
        this.pinRoot = pinRoot;
    }

    private BpfMap open(String pin, int keySize, int valueSize) {
        return BpfMap.owned(Libbpf.getPinned(pinRoot.resolve(pin).toString()), pin, keySize, valueSize);
    }

    /** Endpoint {@code endpointId}'s policy map, entry by entry. */
    Map<PolicyKey, PolicyValue> policy(int endpointId) {
        Map<PolicyKey, PolicyValue> out = new LinkedHashMap<>();
        try (BpfMap m = open("ward_pol_" + endpointId, PolicyKey.SIZE, PolicyValue.SIZE)) {
            for (BpfMap.Element e : m.elements()) out.put(PolicyKey.decode(e.key()), PolicyValue.decode(e.value()));
        }
        return out;
    }

    void putPolicy(int endpointId, PolicyKey key, PolicyValue value) {
        try (BpfMap m = open("ward_pol_" + endpointId, PolicyKey.SIZE, PolicyValue.SIZE)) {
            m.update(key.encode(), value.encode());
        }
    }

    boolean deletePolicy(int endpointId, PolicyKey key) {
        try (BpfMap m = open("ward_pol_" + endpointId, PolicyKey.SIZE, PolicyValue.SIZE)) {
            return m.delete(key.encode());
        }
    }

    /** The endpoints map by host-side ifindex. */
    Map<Integer, EndpointValue> endpoints() {
        Map<Integer, EndpointValue> out = new LinkedHashMap<>();
        try (BpfMap m = open("ward_endpoints", 4, EndpointValue.SIZE)) {
            for (BpfMap.Element e : m.elements()) {
                out.put(ByteBuffer.wrap(e.key()).order(ByteOrder.LITTLE_ENDIAN).getInt(), EndpointValue.decode(e.value()));
            }
        }
        return out;
    }

    void putEndpoint(int ifindex, EndpointValue v) {
        try (BpfMap m = open("ward_endpoints", 4, EndpointValue.SIZE)) {
            m.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(ifindex).array(), v.encode());
        }
    }

    Map<IpPrefix, Integer> ipcache() {
        Map<IpPrefix, Integer> out = new LinkedHashMap<>();
        try (BpfMap m = open("ward_ipcache", IpCacheKey.SIZE, IpCacheValue.SIZE)) {
            for (BpfMap.Element e : m.elements()) out.put(IpCacheKey.decode(e.key()), IpCacheValue.decodeIdentity(e.value()));
        }
        return out;
    }

    void putIpcache(IpPrefix p, int identity) {
        try (BpfMap m = open("ward_ipcache", IpCacheKey.SIZE, IpCacheValue.SIZE)) {
            m.update(IpCacheKey.encode(p), IpCacheValue.encode(identity));
        }
    }
}
