package dev.ward.policy.label;

import java.util.Objects;

/**
 * One label of a workload or of a reserved identity, e.g. {@code k8s:app=web} or {@code reserved:host}.
 * The source says where the label came from; policies may name it ({@code k8s:app}) or leave it open
 * ({@code app}, meaning any source).
 */
public record Label(String source, String key, String value) implements Comparable<Label> {
    public Label {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        value = value == null ? "" : value;
        if (source.equals(LabelSource.ANY)) {
            throw new IllegalArgumentException("a workload label needs a concrete source, not 'any': " + key);
        }
    }

    public static Label k8s(String key, String value) {
        return new Label(LabelSource.K8S, key, value);
    }

    public static Label reserved(String name) {
        return new Label(LabelSource.RESERVED, name, "");
    }

    /**
     * Parses {@code [source:]key[=value]}; without a source the label gets {@code defaultSource}.
     */
    public static Label parse(String text, String defaultSource) {
        String t = text.strip();
        int eq = t.indexOf('=');
        String keyPart = eq < 0 ? t : t.substring(0, eq);
        String value = eq < 0 ? "" : t.substring(eq + 1);
        SelectorKey sk = SelectorKey.parse(keyPart);
        String source = sk.anySource() ? defaultSource : sk.source();
        if (sk.key().isEmpty()) throw new IllegalArgumentException("label '" + text + "' has an empty key");
        return new Label(source, sk.key(), value);
    }

    @Override
    public int compareTo(Label o) {
        int c = key.compareTo(o.key);
        if (c != 0) return c;
        c = source.compareTo(o.source);
        return c != 0 ? c : value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value.isEmpty() ? source + ":" + key : source + ":" + key + "=" + value;
    }
}
