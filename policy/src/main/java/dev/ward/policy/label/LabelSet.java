package dev.ward.policy.label;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * An immutable, sorted set of labels: the labels of a workload or of an identity. Kept as a sorted array because
 * identity label sets are small (a handful of labels) and selectors scan them millions of times during a full
 * computation; a scan over a few array slots beats hashing.
 */
public final class LabelSet implements Iterable<Label> {
    public static final LabelSet EMPTY = new LabelSet(new Label[0]);

    private final Label[] labels;
    private final int hash;

    private LabelSet(Label[] sorted) {
        this.labels = sorted;
        this.hash = Arrays.hashCode(sorted);
    }

    public static LabelSet of(Label... labels) {
        return of(Arrays.asList(labels));
    }

    public static LabelSet of(Collection<Label> labels) {
        Label[] a = labels.toArray(new Label[0]);
        Arrays.sort(a);
        List<Label> out = new ArrayList<>(a.length);
        for (Label l : a) {
            if (!out.isEmpty()) {
                Label prev = out.getLast();
                if (prev.source().equals(l.source()) && prev.key().equals(l.key())) {
                    throw new IllegalArgumentException("label " + prev.source() + ":" + prev.key()
                            + " given twice with different values ('" + prev.value() + "', '" + l.value() + "')");
                }
            }
            out.add(l);
        }
        return new LabelSet(out.toArray(new Label[0]));
    }

    /**
     * Parses a comma-separated label list such as {@code k8s:app=web,k8s:io.kubernetes.pod.namespace=prod};
     * labels without a source get {@code defaultSource}.
     */
    public static LabelSet parse(String text, String defaultSource) {
        List<Label> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) continue;
            out.add(Label.parse(part, defaultSource));
        }
        return of(out);
    }

    public int size() {
        return labels.length;
    }

    public boolean isEmpty() {
        return labels.length == 0;
    }

    public Label get(int i) {
        return labels[i];
    }

    /** The value of {@code source:key}, or null. */
    public String value(String source, String key) {
        for (Label l : labels) {
            if (l.key().equals(key) && l.source().equals(source)) return l.value();
        }
        return null;
    }

    public boolean has(SelectorKey key) {
        for (Label l : labels) {
            if (l.key().equals(key.key()) && key.matchesSource(l.source())) return true;
        }
        return false;
    }

    /** Whether some label with {@code key} (source-filtered) has one of {@code values}. */
    public boolean hasValueIn(SelectorKey key, Collection<String> values) {
        for (Label l : labels) {
            if (l.key().equals(key.key()) && key.matchesSource(l.source()) && values.contains(l.value())) return true;
        }
        return false;
    }

    public boolean contains(Label label) {
        return Arrays.binarySearch(labels, label) >= 0;
    }

    public LabelSet with(Label label) {
        List<Label> out = new ArrayList<>(Arrays.asList(labels));
        out.removeIf(l -> l.source().equals(label.source()) && l.key().equals(label.key()));
        out.add(label);
        return of(out);
    }

    public LabelSet filter(Predicate<Label> keep) {
        List<Label> out = new ArrayList<>();
        for (Label l : labels) if (keep.test(l)) out.add(l);
        return out.size() == labels.length ? this : new LabelSet(out.toArray(new Label[0]));
    }

    public List<Label> asList() {
        return List.of(labels);
    }

    @Override
    public Iterator<Label> iterator() {
        return asList().iterator();
    }

    /** The canonical text form, stable across nodes: sorted labels joined by commas. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Label l : labels) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(l);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelSet other && hash == other.hash && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
