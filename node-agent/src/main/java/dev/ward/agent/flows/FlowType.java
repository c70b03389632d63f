package dev.ward.agent.flows;

import java.util.Arrays;
import java.util.Locale;

/** Which part of the node saw a flow: the BPF datapath (L3/L4), the DNS proxy, or the L7 proxy. */
public enum FlowType {
    L3L4, DNS, L7;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FlowType parse(String s) {
        for (FlowType t : values()) if (t.wire().equalsIgnoreCase(s.strip())) return t;
        throw new IllegalArgumentException("unknown flow type '" + s + "' (known: " + Arrays.stream(values()).map(FlowType::wire).toList() + ")");
    }
}
