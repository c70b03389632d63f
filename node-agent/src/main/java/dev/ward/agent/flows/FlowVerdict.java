package dev.ward.agent.flows;

import java.util.Arrays;
import java.util.Locale;

/**
 * What became of a flow, the same words for every source: passed on, dropped (by policy or because it could not be
 * judged), handed to a proxy, or failed in the node (a proxy's error: the pod got an error answer or a closed
 * connection).
 */
public enum FlowVerdict {
    FORWARDED, DROPPED, REDIRECTED, ERROR;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FlowVerdict parse(String s) {
        for (FlowVerdict v : values()) if (v.wire().equalsIgnoreCase(s.strip())) return v;
        throw new IllegalArgumentException("unknown verdict '" + s + "' (known: " + Arrays.stream(values()).map(FlowVerdict::wire).toList() + ")");
    }
}
