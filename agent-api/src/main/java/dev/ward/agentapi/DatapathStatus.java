package dev.ward.agentapi;

import java.util.List;

/**
 * The node's datapath as a whole, read from the kernel: packets and bytes by direction and reason (forwarded, or why
 * dropped), flow events lost, how full each map is, and programs the verifier refused. The hook flow visibility
 * builds on; the lab reads the drop counters from here.
 */
public record DatapathStatus(String pinRoot, List<Counter> counters, long eventsLost, List<MapFill> maps, List<String> refusedPrograms) {
    public DatapathStatus {
        counters = counters == null ? List.of() : List.copyOf(counters);
        maps = maps == null ? List.of() : List.copyOf(maps);
        refusedPrograms = refusedPrograms == null ? List.of() : List.copyOf(refusedPrograms);
    }

    /** @param reason {@code forwarded}, or a drop reason ({@code policy-default-deny}, {@code policy-deny}, ...) */
    public record Counter(String direction, String reason, long packets, long bytes) {}

    public record MapFill(String map, int entries, int capacity) {}

    /** Packets counted in {@code direction} for {@code reason}; 0 if none. */
    public long packets(String direction, String reason) {
        return counters.stream().filter(c -> c.direction().equals(direction) && c.reason().equals(reason)).mapToLong(Counter::packets).sum();
    }
}
