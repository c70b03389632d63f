package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.bpf.sys.Libbpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-endpoint policy maps: one LPM trie per endpoint, pinned as {@code ward_pol_<id>} under the pin root
 * and entered in the outer map under the endpoint id, which is how the programs find it.
 */
final class PolicyMaps implements AutoCloseable {
    private final BpfMap outer;
    private final Path root;
    private final int capacity;
    private final Map<Integer, BpfMap> open = new HashMap<>();
    private final Runnable afterWrite;

    /** @param afterWrite runs after every write to an endpoint's map (the policy revision's bump) */
    PolicyMaps(BpfMap outer, Path root, int capacity, Runnable afterWrite) {
        this.outer = outer;
        this.root = root;
        this.capacity = capacity;
        this.afterWrite = afterWrite;
    }

    int capacity() {
        return capacity;
    }

    static String pinName(int endpointId) {
        return "ward_pol_" + endpointId;
    }

    private static byte[] id(int endpointId) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(endpointId).array();
    }

    /** A new, empty map for the endpoint, pinned and in the outer map; an older one of that id is replaced. */
    BpfMap create(int endpointId) {
        remove(endpointId);
        int fd = Libbpf.createMap(Libbpf.BPF_MAP_TYPE_LPM_TRIE, pinName(endpointId), PolicyKey.SIZE, PolicyValue.SIZE, capacity,
                Libbpf.BPF_F_NO_PREALLOC);
        BpfMap m = BpfMap.owned(fd, pinName(endpointId), PolicyKey.SIZE, PolicyValue.SIZE).afterEachWrite(afterWrite);
        try {
            m.pin(root.resolve(pinName(endpointId)).toString());
            outer.update(id(endpointId), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(fd).array());
        } catch (RuntimeException e) {
            m.close();
            deletePin(endpointId);
            throw e;
        }
        open.put(endpointId, m);
        return m;
    }

    /** The endpoint's map, reopened from its pin after a restart; null if it has none. */
    BpfMap get(int endpointId) {
        BpfMap m = open.get(endpointId);
        if (m != null) return m;
        Path pin = root.resolve(pinName(endpointId));
        if (!Files.exists(pin)) return null;
        m = BpfMap.owned(Libbpf.getPinned(pin.toString()), pinName(endpointId), PolicyKey.SIZE, PolicyValue.SIZE).afterEachWrite(afterWrite);
        open.put(endpointId, m);
        return m;
    }

    /** Takes the map out of the outer map first (programs stop using it), then unpins and closes it. */
    void remove(int endpointId) {
        outer.delete(id(endpointId));
        BpfMap m = open.remove(endpointId);
        if (m != null) m.close();
        deletePin(endpointId);
    }

    private void deletePin(int endpointId) {
        try {
            Files.deleteIfExists(root.resolve(pinName(endpointId)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot unpin " + pinName(endpointId) + ": " + e.getMessage(), e);
        }
    }

    int count(int endpointId) {
        BpfMap m = get(endpointId);
        return m == null ? 0 : m.keys().size();
    }

    /** Everything the endpoint's map holds, decoded. */
    Map<PolicyKey, PolicyValue> read(int endpointId) {
        Map<PolicyKey, PolicyValue> out = new LinkedHashMap<>();
        BpfMap m = get(endpointId);
        if (m == null) return out;
        for (BpfMap.Element e : m.elements()) out.put(PolicyKey.decode(e.key()), PolicyValue.decode(e.value()));
        return out;
    }

    @Override
    public void close() {
        for (BpfMap m : open.values()) m.close();
        open.clear();
    }
}
