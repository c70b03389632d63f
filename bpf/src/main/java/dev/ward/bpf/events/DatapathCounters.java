package dev.ward.bpf.events;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.policy.model.Direction;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;

/**
 * The datapath's per-CPU counters, summed over CPUs: packets and bytes per direction and reason (forwarded or
 * why dropped), and flow events lost because the ring buffer was full. What the agent's metrics export.
 */
public final class DatapathCounters {
    public record Count(long packets, long bytes) {}

    private static final int VALUE = 16;
    private final BpfMap map;
    private final int cpus;

    public DatapathCounters(int mapFd) {
        this.cpus = Libbpf.possibleCpus();
        this.map = BpfMap.borrowed(mapFd, "ward_counters", 4, VALUE);
    }

    private Count slot(int slot) {
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(slot).array();
        byte[] v = map.lookup(key, cpus * VALUE);
        long packets = 0;
        long bytes = 0;
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < cpus; c++) {
            packets += b.getLong(c * VALUE);
            bytes += b.getLong(c * VALUE + 8);
        }
        return new Count(packets, bytes);
    }

    public Count get(Direction d, FlowReason r) {
        return slot(d.ordinal() * FlowReason.SLOTS + r.code());
    }

    /** Every reason of one direction. */
    public Map<FlowReason, Count> all(Direction d) {
        Map<FlowReason, Count> out = new EnumMap<>(FlowReason.class);
        for (FlowReason r : FlowReason.values()) out.put(r, get(d, r));
        return out;
    }

    public long eventsLost() {
        return slot(2 * FlowReason.SLOTS).packets();
    }
}
