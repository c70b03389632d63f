package dev.ward.agent.datapath;

import java.util.Arrays;
import java.util.Locale;

/** Which datapath {@code ward agent --datapath} runs. The BPF datapath joins here when module bpf is plugged in. */
public enum DatapathKind {
    /** {@link InMemoryDatapath}: policy is computed and held, nothing is enforced. */
    NONE;

    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DatapathKind parse(String s) {
        for (DatapathKind k : values()) if (k.flag().equals(s)) return k;
        throw new IllegalArgumentException("unknown datapath '" + s + "' (known: " + Arrays.stream(values()).map(DatapathKind::flag).toList() + ")");
    }

    /** Opens this datapath for the node whose network namespace is {@code netns} (null: the agent's own). */
    public PolicyDatapath open(String netns) {
        return switch (this) {
            case NONE -> new InMemoryDatapath();
        };
    }
}
