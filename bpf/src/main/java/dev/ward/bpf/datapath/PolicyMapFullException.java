package dev.ward.bpf.datapath;

import dev.ward.policy.model.Direction;

import java.util.Set;

/** An endpoint's verdict table needs more policy map entries than its map holds. */
public final class PolicyMapFullException extends EndpointDatapathException {
    private final int capacity;
    private final int needed;

    public PolicyMapFullException(String endpoint, Set<Direction> locked, int capacity, int needed, String kernelError) {
        super(endpoint, locked, "policy map full (" + kernelError + "): its table needs " + needed + " entries, the map holds "
                + capacity + " (raise the datapath's policy map size)", null);
        this.capacity = capacity;
        this.needed = needed;
    }

    public int capacity() {
        return capacity;
    }

    public int needed() {
        return needed;
    }
}
