package dev.ward.policy.compute;

import java.util.Arrays;

/**
 * A map from int keys (any value, 0 included) to non-null values, open addressing over two arrays. An endpoint's
 * rows by remote identity live in one: a broad rule change reads and replaces thousands of them, and a boxed
 * {@code HashMap} costs a key object, a node and a cache miss on each.
 */
final class IntMap<V> {
    private int[] keys = new int[16];
    private Object[] values = new Object[16];
    private int size;

    V get(int key) {
        int i = slot(key);
        return i < 0 ? null : value(i);
    }

    V getOrDefault(int key, V fallback) {
        V v = get(key);
        return v != null ? v : fallback;
    }

    boolean containsKey(int key) {
        return slot(key) >= 0;
    }

    /** Maps {@code key} to {@code value} (not null); returns the previous value, or null. */
    V put(int key, V value) {
        if (value == null) throw new IllegalArgumentException("null value for " + key);
        if ((size + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        int i = index(key, mask);
        while (values[i] != null) {
            if (keys[i] == key) {
                V previous = value(i);
                values[i] = value;
                return previous;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
        return null;
    }

    /** Removes {@code key}; returns its value, or null when it had none. */
    V remove(int key) {
        int i = slot(key);
        if (i < 0) return null;
        V previous = value(i);
        int mask = keys.length - 1;
        values[i] = null;
        size--;
        // Re-insert the rest of the probe run so lookups never stop early at the hole.
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int k = keys[j];
            Object v = values[j];
            values[j] = null;
            size--;
            reinsert(k, v);
        }
        return previous;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    /** The keys, in no particular order. */
    int[] keys() {
        int[] out = new int[size];
        int n = 0;
        for (int i = 0; i < values.length; i++) if (values[i] != null) out[n++] = keys[i];
        return out;
    }

    /** A copy as a boxed map, for the few readers that want one. */
    <M extends java.util.Map<Integer, V>> M copyInto(M out) {
        for (int i = 0; i < values.length; i++) if (values[i] != null) out.put(keys[i], value(i));
        return out;
    }

    private int slot(int key) {
        int mask = keys.length - 1;
        for (int i = index(key, mask); values[i] != null; i = (i + 1) & mask) if (keys[i] == key) return i;
        return -1;
    }

    private void reinsert(int key, Object value) {
        int mask = keys.length - 1;
        int i = index(key, mask);
        while (values[i] != null) i = (i + 1) & mask;
        keys[i] = key;
        values[i] = value;
        size++;
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        size = 0;
        for (int i = 0; i < oldValues.length; i++) if (oldValues[i] != null) reinsert(oldKeys[i], oldValues[i]);
    }

    @SuppressWarnings("unchecked")
    private V value(int i) {
        return (V) values[i];
    }

    private static int index(int key, int mask) {
        int h = key * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
