package dev.ward.bpf.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The writes of one change, by phase, in the order they must reach the kernel. */
public final class WritePlan {
    private final Map<WritePhase, List<MapWrite>> phases = new EnumMap<>(WritePhase.class);

    public WritePlan() {
        for (WritePhase p : WritePhase.values()) phases.put(p, new ArrayList<>());
    }

    void add(WritePhase phase, MapWrite write) {
        phases.get(phase).add(write);
    }

    public List<MapWrite> phase(WritePhase p) {
        return Collections.unmodifiableList(phases.get(p));
    }

    /** Every write, phase after phase. */
    public List<MapWrite> writes() {
        List<MapWrite> out = new ArrayList<>();
        for (WritePhase p : WritePhase.values()) out.addAll(phases.get(p));
        return out;
    }

    public int size() {
        int n = 0;
        for (List<MapWrite> l : phases.values()) n += l.size();
        return n;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    public int count(Class<? extends MapWrite> kind) {
        int n = 0;
        for (List<MapWrite> l : phases.values()) for (MapWrite w : l) if (kind.isInstance(w)) n++;
        return n;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (WritePhase p : WritePhase.values()) {
            if (!phases.get(p).isEmpty()) sb.append(p).append(": ").append(phases.get(p).size()).append(' ');
        }
        return sb.toString().strip();
    }
}
