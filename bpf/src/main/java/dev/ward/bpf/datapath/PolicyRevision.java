package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The datapath's policy revision (map ward_revision): bumped after every write to a map the policy decision
 * reads, so a flow the programs allowed at an older revision is judged again on its next forward packet.
 * It only ever grows, across restarts too (it continues from the pinned value): a revision seen again could
 * revive an allow cached before it.
 */
final class PolicyRevision {
    static final int VALUE_SIZE = 8;
    private static final byte[] KEY = new byte[4];

    private final BpfMap map;
    private long current;

    PolicyRevision(BpfMap map) {
        this.map = map;
        byte[] v = map.lookup(KEY);
        this.current = v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    synchronized void bump() {
        current++;
        map.update(KEY, ByteBuffer.allocate(VALUE_SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(current).array());
    }
}
