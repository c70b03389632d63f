package dev.ward.bpf.load;

import dev.ward.bpf.sys.Libbpf;
import dev.ward.bpf.sys.LibbpfException;
import dev.ward.netlink.Errno;
import dev.ward.netlink.sys.LinuxSyscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A BPF map by fd, with keys and values as byte arrays of the map's sizes. Writes report the kernel's errno
 * instead of throwing where a caller must react to it (a full map, a missing key); everything else throws.
 */
public final class BpfMap implements AutoCloseable {
    private final int fd;
    private final String name;
    private final int keySize;
    private final int valueSize;
    private final boolean ownsFd;
    private Runnable afterWrite = () -> { };

    private BpfMap(int fd, String name, int keySize, int valueSize, boolean ownsFd) {
        this.fd = fd;
        this.name = name;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.ownsFd = ownsFd;
    }

    /** Wraps {@code fd} (owned by someone else, e.g. a loaded object), checking the sizes the kernel reports. */
    public static BpfMap borrowed(int fd, String name, int keySize, int valueSize) {
        BpfMap m = new BpfMap(fd, name, keySize, valueSize, false);
        m.checkShape(keySize, valueSize);
        return m;
    }

    /** Takes ownership of {@code fd}: {@link #close()} closes it. */
    public static BpfMap owned(int fd, String name, int keySize, int valueSize) {
        BpfMap m = new BpfMap(fd, name, keySize, valueSize, true);
        try {
            m.checkShape(keySize, valueSize);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** Runs {@code r} after every write (update, delete, batch) this handle makes, once the kernel has it. */
    public BpfMap afterEachWrite(Runnable r) {
        this.afterWrite = r;
        return this;
    }

    /** The map's value size in the kernel may exceed what the caller reads for per-CPU maps; those pass -1. */
    private void checkShape(int expectedKey, int expectedValue) {
        Libbpf.MapInfo info = Libbpf.mapInfo(fd);
        if (info.keySize() != expectedKey || (expectedValue >= 0 && info.valueSize() != expectedValue)) {
            throw new IllegalStateException("map " + name + " has key/value size " + info.keySize() + "/" + info.valueSize()
                    + " but this build of Ward expects " + expectedKey + "/" + expectedValue
                    + " (a datapath of another version is pinned; remove its pins or run the matching version)");
        }
    }

    public int fd() {
        return fd;
    }

    public String name() {
        return name;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public Libbpf.MapInfo info() {
        return Libbpf.mapInfo(fd);
    }

    /** Writes one element; returns 0 or the kernel's errno (E2BIG/ENOSPC when full, EEXIST with NOEXIST...). */
    public int tryUpdate(byte[] key, byte[] value, long flags) {
        try (Arena a = Arena.ofConfined()) {
            int r = Libbpf.updateElement(fd, segment(a, key, keySize, "key"), segment(a, value, valueSize, "value"), flags);
            return r < 0 ? -r : 0;
        } finally {
            afterWrite.run();
        }
    }

    public void update(byte[] key, byte[] value) {
        int errno = tryUpdate(key, value, Libbpf.BPF_ANY);
        if (errno != 0) throw new LibbpfException("bpf_map_update_elem " + name, errno, Libbpf.messages());
    }

    /** Deletes one element; returns 0, ENOENT if it was not there, or another errno. */
    public int tryDelete(byte[] key) {
        try (Arena a = Arena.ofConfined()) {
            int r = Libbpf.deleteElement(fd, segment(a, key, keySize, "key"));
            return r < 0 ? -r : 0;
        } finally {
            afterWrite.run();
        }
    }

    /** Deletes one element if present; true if it was. */
    public boolean delete(byte[] key) {
        int errno = tryDelete(key);
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw new LibbpfException("bpf_map_delete_elem " + name, errno, Libbpf.messages());
        return true;
    }

    /** The value under {@code key}, or null (for an LPM trie: the value of the longest prefix holding it). */
    public byte[] lookup(byte[] key) {
        return lookup(key, valueSize);
    }

    /** As {@link #lookup(byte[])} with the buffer size the kernel fills (per-CPU maps: one value per CPU). */
    public byte[] lookup(byte[] key, int bufferSize) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(bufferSize, 8);
            if (!Libbpf.lookupElement(fd, segment(a, key, keySize, "key"), v)) return null;
            return v.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    public List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cur = a.allocate(keySize, 8);
            MemorySegment next = a.allocate(keySize, 8);
            MemorySegment prev = MemorySegment.NULL;
            while (Libbpf.nextKey(fd, prev, next)) {
                out.add(next.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                cur.copyFrom(next);
                prev = cur;
            }
        }
        return out;
    }

    /** One element as read back. */
    public record Element(byte[] key, byte[] value) {}

    /** Every element, read key by key (a key deleted in between is skipped). */
    public List<Element> elements() {
        List<Element> out = new ArrayList<>();
        for (byte[] k : keys()) {
            byte[] v = lookup(k);
            if (v != null) out.add(new Element(k, v));
        }
        return out;
    }

    /** Writes many elements in one call where the kernel supports it; see {@link Libbpf#updateBatch}. */
    public Libbpf.BatchOutcome updateBatch(List<byte[]> keys, List<byte[]> values) {
        try (Arena a = Arena.ofConfined()) {
            return Libbpf.updateBatch(fd, packed(a, keys, keySize), packed(a, values, valueSize), keys.size());
        } finally {
            afterWrite.run();
        }
    }

    public Libbpf.BatchOutcome deleteBatch(List<byte[]> keys) {
        try (Arena a = Arena.ofConfined()) {
            return Libbpf.deleteBatch(fd, packed(a, keys, keySize), keys.size());
        } finally {
            afterWrite.run();
        }
    }

    public void pin(String path) {
        Libbpf.pin(fd, path);
    }

    private static MemorySegment packed(Arena a, List<byte[]> items, int size) {
        MemorySegment s = a.allocate((long) Math.max(1, items.size()) * size, 8);
        for (int i = 0; i < items.size(); i++) {
            byte[] item = items.get(i);
            if (item.length != size) throw new IllegalArgumentException("element " + i + " is " + item.length + " bytes, map wants " + size);
            MemorySegment.copy(item, 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, (long) i * size, size);
        }
        return s;
    }

    private MemorySegment segment(Arena a, byte[] bytes, int size, String what) {
        if (bytes.length != size) throw new IllegalArgumentException(name + " " + what + " must be " + size + " bytes, got " + bytes.length);
        MemorySegment s = a.allocate(size, 8);
        MemorySegment.copy(bytes, 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, size);
        return s;
    }

    @Override
    public void close() {
        if (ownsFd) LinuxSyscalls.close(fd);
    }
}
