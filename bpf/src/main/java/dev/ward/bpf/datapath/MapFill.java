package dev.ward.bpf.datapath;

/** How full one of the datapath's maps is (for metrics): {@code map} is its pin name. */
public record MapFill(String map, int entries, int capacity) {
    public double ratio() {
        return capacity == 0 ? 0 : (double) entries / capacity;
    }
}
