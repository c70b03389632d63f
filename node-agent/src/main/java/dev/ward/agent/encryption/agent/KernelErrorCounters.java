package dev.ward.agent.encryption.agent;

import dev.ward.xfrm.XfrmClient;
import dev.ward.xfrm.XfrmErrorCounters;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The kernel's xfrm error counters (/proc/net/xfrm_stat) of the node's network namespace, by counter name. */
public final class KernelErrorCounters {
    private KernelErrorCounters() {
    }

    /** Reads them afresh on every call; {@code netns} null means the agent's own namespace. */
    public static Supplier<Map<String, Long>> inNamespace(String netns) {
        return () -> {
            try (XfrmClient client = XfrmClient.open(netns)) {
                return byName(client.errorCounters());
            }
        };
    }

    public static Map<String, Long> byName(XfrmErrorCounters counters) {
        Map<String, Long> all = new TreeMap<>();
        counters.known().forEach((counter, value) -> all.put(counter.name(), value));
        all.putAll(counters.others());
        return all;
    }
}
