package dev.ward.policy.compute;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * A set of identity numbers with open addressing over an int array. Selector memberships hold millions of entries
 * at 10,000 identities; boxed sets would cost six times the memory. Identity 0 is "any" and never a member, so 0
 * marks an empty slot.
 */
final class IntSet {
    private int[] slots = new int[8];
    private int size;

    boolean add(int v) {
        if (v == 0) throw new IllegalArgumentException("0 is not an identity");
        if ((size + 1) * 2 > slots.length) grow();
        int i = index(v, slots.length);
        while (slots[i] != 0) {
            if (slots[i] == v) return false;
            i = (i + 1) & (slots.length - 1);
        }
        slots[i] = v;
        size++;
        return true;
    }

    boolean contains(int v) {
        int i = index(v, slots.length);
        while (slots[i] != 0) {
            if (slots[i] == v) return true;
            i = (i + 1) & (slots.length - 1);
        }
        return false;
    }

    boolean remove(int v) {
        int i = index(v, slots.length);
        while (slots[i] != 0) {
            if (slots[i] == v) {
                slots[i] = 0;
                size--;
                // Re-insert the rest of the probe run so lookups never stop early at the hole.
                int j = (i + 1) & (slots.length - 1);
                while (slots[j] != 0) {
                    int moved = slots[j];
                    slots[j] = 0;
                    size--;
                    add(moved);
                    j = (j + 1) & (slots.length - 1);
                }
                return true;
            }
            i = (i + 1) & (slots.length - 1);
        }
        return false;
    }

    int size() {
        return size;
    }

    void forEach(IntConsumer c) {
        for (int s : slots) if (s != 0) c.accept(s);
    }

    int[] toSortedArray() {
        int[] out = new int[size];
        int n = 0;
        for (int s : slots) if (s != 0) out[n++] = s;
        Arrays.sort(out);
        return out;
    }

    private void grow() {
        int[] old = slots;
        slots = new int[old.length * 2];
        size = 0;
        for (int v : old) if (v != 0) add(v);
    }

    private static int index(int v, int length) {
        int h = v * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (length - 1);
    }
}
