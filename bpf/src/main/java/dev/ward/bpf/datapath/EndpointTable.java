package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.EndpointValue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The endpoints map (host-side veth ifindex -> endpoint), with its entries by endpoint name. Filled from the
 * kernel when the datapath opens: after a restart the map itself says which endpoints exist.
 */
final class EndpointTable {
    private final BpfMap map;
    private final int maxEndpoints;
    private final Map<String, EndpointRecord> byName = new LinkedHashMap<>();
    private int lastId;

    EndpointTable(BpfMap map, int maxEndpoints) {
        this.map = map;
        this.maxEndpoints = maxEndpoints;
        for (EndpointRecord r : readBack()) {
            byName.put(r.name(), r);
            lastId = Math.max(lastId, r.endpointId());
        }
    }

    static byte[] key(int ifindex) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(ifindex).array();
    }

    /** What the kernel map holds. */
    List<EndpointRecord> readBack() {
        return readBack(map);
    }

    /** What an endpoints map holds (this process's or one another pinned). */
    static List<EndpointRecord> readBack(BpfMap map) {
        List<EndpointRecord> out = new ArrayList<>();
        for (BpfMap.Element e : map.elements()) {
            out.add(EndpointRecord.of(ByteBuffer.wrap(e.key()).order(ByteOrder.LITTLE_ENDIAN).getInt(), EndpointValue.decode(e.value())));
        }
        return out;
    }

    EndpointRecord get(String name) {
        return byName.get(name);
    }

    Collection<EndpointRecord> all() {
        return List.copyOf(byName.values());
    }

    /** Writes the entry (one atomic element replacement: the programs see the old entry or the new one). */
    void put(EndpointRecord r) {
        map.update(key(r.ifindex()), r.value().encode());
        byName.put(r.name(), r);
    }

    void remove(EndpointRecord r) {
        map.delete(key(r.ifindex()));
        byName.remove(r.name());
    }

    /**
     * Makes the map hold exactly this table's entries (those this process wrote, or took over when it opened): an
     * entry changed behind its back is rewritten, one planted is deleted (its veth then drops as unknown). Returns
     * the writes it made.
     */
    int repair() {
        Map<Integer, EndpointRecord> want = new LinkedHashMap<>();
        for (EndpointRecord r : byName.values()) want.put(r.ifindex(), r);
        Map<Integer, EndpointRecord> have = new LinkedHashMap<>();
        for (EndpointRecord r : readBack()) have.put(r.ifindex(), r);
        int writes = 0;
        for (Integer ifindex : have.keySet()) {
            if (!want.containsKey(ifindex)) {
                map.delete(key(ifindex));
                writes++;
            }
        }
        for (EndpointRecord r : want.values()) {
            if (!r.equals(have.get(r.ifindex()))) {
                map.update(key(r.ifindex()), r.value().encode());
                writes++;
            }
        }
        return writes;
    }

    /**
     * The next free id after the last one handed out, so a detached endpoint's id (and any conntrack entry left
     * under it) is reused as late as possible.
     */
    int allocateId() {
        Set<Integer> used = new HashSet<>();
        for (EndpointRecord r : byName.values()) used.add(r.endpointId());
        for (int i = 1; i <= maxEndpoints; i++) {
            int id = (lastId + i - 1) % maxEndpoints + 1;
            if (!used.contains(id)) {
                lastId = id;
                return id;
            }
        }
        throw new IllegalStateException("no endpoint id free: the datapath holds its maximum of " + maxEndpoints + " endpoints");
    }
}
