package dev.ward.bpf.load;

import dev.ward.bpf.sys.Libbpf;
import dev.ward.bpf.sys.LibbpfException;
import dev.ward.netlink.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BPF ELF object opened and loaded through libbpf: its maps created (or reused from their pins under the pin
 * root) and its programs verified. Holds the object until closed; programs attached to hooks and pinned maps
 * live on in the kernel after that.
 */
public final class BpfObject implements AutoCloseable {
    /** Generous: a refused program's log at level 1 is the failing path's instructions and register states. */
    private static final long VERIFIER_LOG_BYTES = 16L << 20;
    private static final Pattern FAILED_PROGRAM = Pattern.compile("prog '([^']+)': (?:BPF program load failed|failed to load)");

    /**
     * What to load: the ELF bytes, a name for messages, the pin root for maps declared with pinning, map sizes
     * that override the object's, and programs not to load at all. (An inner map template's size cannot be
     * set through libbpf 1.1, and need not be: the kernel does not compare an LPM trie's size with its
     * template's.)
     */
    public record Spec(byte[] elf, String name, Path pinRoot, Map<String, Integer> maxEntries, Set<String> skippedPrograms) {
        public Spec {
            maxEntries = Map.copyOf(maxEntries);
            skippedPrograms = Set.copyOf(skippedPrograms);
        }

        public Spec skipping(String program) {
            java.util.HashSet<String> s = new java.util.HashSet<>(skippedPrograms);
            s.add(program);
            return new Spec(elf, name, pinRoot, maxEntries, s);
        }
    }

    private final Arena arena;
    private final MemorySegment object;
    private final String name;
    private final Map<String, Integer> programFds = new HashMap<>();

    private BpfObject(Arena arena, MemorySegment object, String name) {
        this.arena = arena;
        this.object = object;
        this.name = name;
    }

    /**
     * Opens and loads {@code spec}. A program the verifier refuses throws {@link VerifierRejectedException} with
     * the full log; anything else libbpf refuses (a pinned map of another shape, a map the kernel cannot
     * create) throws {@link LibbpfException} with libbpf's messages.
     */
    public static BpfObject load(Spec spec) {
        Arena arena = Arena.ofShared();
        MemorySegment object = null;
        try (Arena logArena = Arena.ofConfined()) {
            MemorySegment elf = arena.allocate(spec.elf().length, 8);
            elf.copyFrom(MemorySegment.ofArray(spec.elf()));
            MemorySegment log = logArena.allocate(VERIFIER_LOG_BYTES);
            object = Libbpf.openObject(elf, spec.name(), spec.pinRoot().toString(), log, arena);
            for (Map.Entry<String, Integer> e : spec.maxEntries().entrySet()) {
                Libbpf.setMaxEntries(requireMap(object, spec.name(), e.getKey()), e.getValue());
            }
            for (String p : spec.skippedPrograms()) Libbpf.setAutoload(requireProgram(object, spec.name(), p), false);
            try {
                Libbpf.loadObject(object, spec.name());
            } catch (LibbpfException e) {
                throw refusal(spec.name(), e, log);
            }
            BpfObject loaded = new BpfObject(arena, object, spec.name());
            object = null;
            return loaded;
        } catch (RuntimeException e) {
            if (object != null) Libbpf.closeObject(object);
            arena.close();
            throw e;
        }
    }

    /** A verifier refusal is a failed program load with a log; other load failures pass through unchanged. */
    private static RuntimeException refusal(String object, LibbpfException e, MemorySegment log) {
        String program = null;
        for (String m : e.libbpfMessages()) {
            Matcher matcher = FAILED_PROGRAM.matcher(m);
            if (matcher.find()) program = matcher.group(1);
        }
        String text = log.getString(0);
        if (program == null || text.isEmpty()) return e;
        return new VerifierRejectedException(object, program, Errno.describe(e.errno()), text);
    }

    private static MemorySegment requireMap(MemorySegment object, String objectName, String map) {
        MemorySegment m = Libbpf.findMap(object, map);
        if (m.equals(MemorySegment.NULL)) throw new IllegalArgumentException(objectName + " has no map " + map);
        return m;
    }

    private static MemorySegment requireProgram(MemorySegment object, String objectName, String program) {
        MemorySegment p = Libbpf.findProgram(object, program);
        if (p.equals(MemorySegment.NULL)) throw new IllegalArgumentException(objectName + " has no program " + program);
        return p;
    }

    public String name() {
        return name;
    }

    /** The fd of a map; valid while this object is open (duplicate it by pin or id to keep it longer). */
    public int mapFd(String map) {
        return Libbpf.mapFd(requireMap(object, name, map));
    }

    public int programFd(String program) {
        return programFds.computeIfAbsent(program, p -> Libbpf.programFd(requireProgram(object, name, p)));
    }

    @Override
    public void close() {
        Libbpf.closeObject(object);
        arena.close();
    }
}
