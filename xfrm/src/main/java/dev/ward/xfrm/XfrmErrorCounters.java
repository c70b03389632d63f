package dev.ward.xfrm;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of /proc/net/xfrm_stat. Counters Ward knows are typed; ones a newer kernel adds are kept by name
 * in {@link #others()} rather than dropped. A known counter the kernel does not report reads as absent.
 */
public record XfrmErrorCounters(Map<XfrmCounter, Long> known, Map<String, Long> others) {
    public XfrmErrorCounters {
        known = Collections.unmodifiableMap(new EnumMap<>(known.isEmpty() ? new EnumMap<>(XfrmCounter.class) : known));
        others = Collections.unmodifiableMap(new LinkedHashMap<>(others));
    }

    /** Parses the file's text: one {@code Name value} pair per line. */
    public static XfrmErrorCounters parse(String text) {
        Map<XfrmCounter, Long> known = new EnumMap<>(XfrmCounter.class);
        Map<String, Long> others = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty()) continue;
            String[] f = l.split("\\s+");
            if (f.length != 2) throw new IllegalArgumentException("xfrm_stat line " + lineNo + " is not 'name value': " + l);
            long v;
            try {
                v = Long.parseUnsignedLong(f[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("xfrm_stat line " + lineNo + ": " + f[1] + " is not a counter value");
            }
            try {
                known.put(XfrmCounter.valueOf(f[0]), v);
            } catch (IllegalArgumentException unknownName) {
                others.put(f[0], v);
            }
        }
        return new XfrmErrorCounters(known, others);
    }

    public long get(XfrmCounter c) {
        return known.getOrDefault(c, 0L);
    }

    /** The sum of all counters: zero means the kernel dropped nothing for xfrm reasons. */
    public long total() {
        return known.values().stream().mapToLong(Long::longValue).sum() + others.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Counter-by-counter increase since {@code earlier}, listing only those that rose. */
    public Map<String, Long> increaseSince(XfrmErrorCounters earlier) {
        Map<String, Long> out = new LinkedHashMap<>();
        known.forEach((k, v) -> { if (v > earlier.get(k)) out.put(k.name(), v - earlier.get(k)); });
        others.forEach((k, v) -> { long before = earlier.others.getOrDefault(k, 0L); if (v > before) out.put(k, v - before); });
        return out;
    }
}
