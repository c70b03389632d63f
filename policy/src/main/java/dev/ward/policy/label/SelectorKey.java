package dev.ward.policy.label;

/**
 * A label key as a selector names it: {@code k8s:app} names the source, {@code app} or {@code any:app} match the
 * key from any source. Kubernetes label keys never contain a colon, so the first colon always ends the source.
 */
public record SelectorKey(String source, String key) implements Comparable<SelectorKey> {

    public static SelectorKey parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) return new SelectorKey(LabelSource.ANY, text);
        String source = text.substring(0, colon);
        if (!LabelSource.isKnown(source)) {
            throw new IllegalArgumentException("unknown label source '" + source + "' in '" + text
                    + "' (known: k8s, reserved, any, container, unspec, cidr, fqdn)");
        }
        return new SelectorKey(source, text.substring(colon + 1));
    }

    public boolean anySource() {
        return source.equals(LabelSource.ANY);
    }

    public boolean matchesSource(String labelSource) {
        return anySource() || source.equals(labelSource);
    }

    @Override
    public int compareTo(SelectorKey o) {
        int c = key.compareTo(o.key);
        return c != 0 ? c : source.compareTo(o.source);
    }

    @Override
    public String toString() {
        return source + ":" + key;
    }
}
