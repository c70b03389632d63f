package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfObject;
import dev.ward.bpf.load.VerifierRejectedException;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.policy.model.Direction;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The datapath object loaded: maps created or reused from their pins, and each direction's program verified.
 * A program the verifier refuses does not take the other down: the object is loaded again without it, and
 * that direction is served by a program that drops everything (fail closed), while the refusal is kept to
 * name in every endpoint's error.
 */
final class LoadedPrograms implements AutoCloseable {
    static final String OBJECT = "ward_datapath";
    static final Map<Direction, String> PROGRAM = Map.of(Direction.EGRESS, "from_pod", Direction.INGRESS, "to_pod");
    /** r0 = TC_ACT_SHOT; exit. */
    private static final byte[] DROP_ALL = {(byte) 0xb7, 0, 0, 0, 2, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0};

    final BpfObject object;
    private final Map<Direction, Integer> fds = new EnumMap<>(Direction.class);
    private final Map<Direction, VerifierRejectedException> refused = new EnumMap<>(Direction.class);
    private int dropAllFd = -1;

    private LoadedPrograms(BpfObject object) {
        this.object = object;
    }

    static LoadedPrograms load(DatapathConfig c) {
        dropConntrackOfAnotherLayout(c.pinRoot());
        BpfObject.Spec spec = new BpfObject.Spec(elf(c), OBJECT, c.pinRoot(), Map.of(
                "ward_ipcache", c.ipcacheEntries(),
                "ward_endpoints", c.maxEndpoints(),
                "ward_policy", c.maxEndpoints(),
                "ward_ct", c.conntrackEntries(),
                "ward_events", c.ringBufferBytes()), java.util.Set.of());
        Map<Direction, VerifierRejectedException> refusals = new EnumMap<>(Direction.class);
        for (int attempt = 0; ; attempt++) {
            try {
                LoadedPrograms p = new LoadedPrograms(BpfObject.load(spec));
                p.refused.putAll(refusals);
                for (Direction d : Direction.values()) if (!refusals.containsKey(d)) p.fds.put(d, p.object.programFd(PROGRAM.get(d)));
                return p;
            } catch (VerifierRejectedException e) {
                Direction d = directionOf(e.program());
                if (d == null || refusals.containsKey(d) || attempt >= PROGRAM.size()) throw e;
                refusals.put(d, e);
                spec = spec.skipping(e.program());
            }
        }
    }

    private static Direction directionOf(String program) {
        for (Map.Entry<Direction, String> e : PROGRAM.entrySet()) if (e.getValue().equals(program)) return e.getKey();
        return null;
    }

    private static byte[] elf(DatapathConfig c) {
        if (c.program() != null) return c.program();
        try (InputStream in = LoadedPrograms.class.getResourceAsStream("/dev/ward/bpf/" + OBJECT + ".o")) {
            if (in == null) throw new IllegalStateException("the bundled BPF object " + OBJECT + ".o is missing from the class path (build the bpf module)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled BPF object: " + e.getMessage(), e);
        }
    }

    /** The fd to attach for direction {@code d}: its program, or the drop-all program if it was refused. */
    int attachFd(Direction d) {
        Integer fd = fds.get(d);
        if (fd != null) return fd;
        if (dropAllFd < 0) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment insns = a.allocate(DROP_ALL.length, 8);
                insns.copyFrom(MemorySegment.ofArray(DROP_ALL));
                dropAllFd = Libbpf.loadProgram("ward_drop_all", insns);
            }
        }
        return dropAllFd;
    }

    /** The fd of direction {@code d}'s real program, or -1 if it was refused. */
    int programFd(Direction d) {
        return fds.getOrDefault(d, -1);
    }

    VerifierRejectedException refusal(Direction d) {
        return refused.get(d);
    }

    Map<Direction, VerifierRejectedException> refusals() {
        return Map.copyOf(refused);
    }

    /** Pins each loaded program as {@code ward_<name>}, replacing an older version's pin. */
    void pinPrograms(Path root) {
        for (Map.Entry<Direction, Integer> e : fds.entrySet()) {
            Path pin = root.resolve("ward_" + PROGRAM.get(e.getKey()));
            try {
                Files.deleteIfExists(pin);
            } catch (IOException ex) {
                throw new IllegalStateException("cannot replace pin " + pin + ": " + ex.getMessage(), ex);
            }
            Libbpf.pin(e.getValue(), pin.toString());
        }
    }

    @Override
    public void close() {
        if (dropAllFd >= 0) dev.ward.netlink.sys.LinuxSyscalls.close(dropAllFd);
        object.close();
    }

    /**
     * Conntrack is a cache of verdicts: a pinned table of another layout (an earlier version of Ward's, whose entries
     * this build cannot read) is unpinned, so the new one is created and every flow is judged again as new, rather
     * than the datapath refusing to start after an upgrade. The other maps hold state and are never dropped.
     */
    static boolean dropConntrackOfAnotherLayout(java.nio.file.Path pinRoot) {
        java.nio.file.Path pin = pinRoot.resolve("ward_ct");
        if (!java.nio.file.Files.exists(pin)) return false;
        int fd = dev.ward.bpf.sys.Libbpf.getPinned(pin.toString());
        dev.ward.bpf.sys.Libbpf.MapInfo info;
        try {
            info = dev.ward.bpf.sys.Libbpf.mapInfo(fd);
        } finally {
            dev.ward.netlink.sys.LinuxSyscalls.close(fd);
        }
        if (info.keySize() == ConntrackEntry.KEY_SIZE && info.valueSize() == ConntrackEntry.VALUE_SIZE) return false;
        try {
            java.nio.file.Files.delete(pin);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot unpin the conntrack table of another layout " + pin + ": " + e.getMessage(), e);
        }
        System.getLogger(LoadedPrograms.class.getName()).log(System.Logger.Level.WARNING,
                "{0}: conntrack of another layout (key/value {1}/{2} bytes, this build''s {3}/{4}) unpinned; flows are judged again as new",
                pin, info.keySize(), info.valueSize(), ConntrackEntry.KEY_SIZE, ConntrackEntry.VALUE_SIZE);
        return true;
    }
}
