package dev.ward.bpf.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The only place Ward calls libbpf (Debian's libbpf1, 1.1): ELF parsing, relocation, map creation and pinning,
 * program load, tc attach and the ring buffer. Every function either returns its result or throws
 * {@link LibbpfException} with the errno and libbpf's own messages. Option structs are laid out here with the
 * offsets of libbpf 1.1's headers; each carries its size, which is how libbpf tells versions apart.
 */
public final class Libbpf {
    public static final String LIBRARY = "libbpf.so.1";

    public static final int BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;
    public static final int BPF_MAP_TYPE_LPM_TRIE = 11;
    public static final int BPF_F_NO_PREALLOC = 1;
    public static final int BPF_PROG_TYPE_SCHED_CLS = 3;
    public static final int BPF_TC_INGRESS = 1, BPF_TC_EGRESS = 2;
    public static final int BPF_TC_F_REPLACE = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = open();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OBJECT_OPEN_MEM = capturing("bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle OBJECT_LOAD = fn("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJECT_CLOSE = fn("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle FIND_MAP = fn("bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FIND_PROGRAM = fn("bpf_object__find_program_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_FD = fn("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_SET_MAX_ENTRIES = fn("bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PROGRAM_FD = fn("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle PROGRAM_SET_AUTOLOAD = fn("bpf_program__set_autoload", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BYTE));

    private static final MethodHandle MAP_CREATE = fn("bpf_map_create",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_UPDATE = fn("bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MAP_LOOKUP = fn("bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_DELETE = fn("bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_NEXT_KEY = fn("bpf_map_get_next_key", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_UPDATE_BATCH = fn("bpf_map_update_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_DELETE_BATCH = fn("bpf_map_delete_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle OBJ_PIN = fn("bpf_obj_pin", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle OBJ_GET = fn("bpf_obj_get", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJ_INFO = fn("bpf_obj_get_info_by_fd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle PROG_LOAD = fn("bpf_prog_load",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle PROG_TEST_RUN = fn("bpf_prog_test_run_opts", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TC_HOOK_CREATE = fn("bpf_tc_hook_create", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle TC_ATTACH = fn("bpf_tc_attach", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle TC_DETACH = fn("bpf_tc_detach", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle TC_QUERY = fn("bpf_tc_query", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RING_BUFFER_NEW = capturing("ring_buffer__new", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle RING_BUFFER_POLL = fn("ring_buffer__poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RING_BUFFER_CONSUME = fn("ring_buffer__consume", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle RING_BUFFER_FREE = fn("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle ENABLE_STATS = fn("bpf_enable_stats", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle NUM_POSSIBLE_CPUS = fn("libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SET_PRINT = fn("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));

    static {
        try {
            MemorySegment previous = (MemorySegment) SET_PRINT.invokeExact(LibbpfLog.callback());
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    private Libbpf() {}

    private static SymbolLookup open() {
        try {
            return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError(LIBRARY + " not found: the datapath loads its BPF programs through libbpf; "
                    + "run scripts/install-deps (Debian package libbpf1)");
        }
    }

    private static MethodHandle fn(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(LIBRARY + " has no " + name)), fd);
    }

    private static MethodHandle capturing(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(LIBRARY + " has no " + name)), fd,
                CAPTURE_ERRNO);
    }

    // ---- objects and programs -----------------------------------------------------------------------------

    /**
     * Opens an ELF object held in {@code elf}, which must stay alive until the object is closed. Maps that ask
     * for pinning are pinned (or reused) under {@code pinRoot}; a refused program's verifier log lands in
     * {@code logBuffer}.
     */
    public static MemorySegment openObject(MemorySegment elf, String name, String pinRoot, MemorySegment logBuffer, Arena arena) {
        MemorySegment opts = arena.allocate(80, 8);
        opts.set(JAVA_LONG, 0, 80);
        opts.set(ADDRESS, 8, arena.allocateFrom(name));
        opts.set(ADDRESS, 24, arena.allocateFrom(pinRoot));
        opts.set(ADDRESS, 56, logBuffer);
        opts.set(JAVA_LONG, 64, logBuffer.byteSize());
        opts.set(JAVA_INT, 72, 0);
        LibbpfLog.clear();
        try {
            MemorySegment st = arena.allocate(CALL_STATE);
            MemorySegment obj = (MemorySegment) OBJECT_OPEN_MEM.invokeExact(st, elf, elf.byteSize(), opts);
            if (obj.equals(MemorySegment.NULL)) throw failure("bpf_object__open_mem " + name, (int) ERRNO.get(st, 0L));
            return obj;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void loadObject(MemorySegment obj, String name) {
        LibbpfLog.clear();
        check("bpf_object__load " + name, call(() -> (int) OBJECT_LOAD.invokeExact(obj)));
    }

    public static void closeObject(MemorySegment obj) {
        try {
            OBJECT_CLOSE.invokeExact(obj);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The map handle, or {@link MemorySegment#NULL} if the object has none of that name. */
    public static MemorySegment findMap(MemorySegment obj, String name) {
        try (Arena a = Arena.ofConfined()) {
            return (MemorySegment) FIND_MAP.invokeExact(obj, a.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static MemorySegment findProgram(MemorySegment obj, String name) {
        try (Arena a = Arena.ofConfined()) {
            return (MemorySegment) FIND_PROGRAM.invokeExact(obj, a.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int mapFd(MemorySegment map) {
        return check("bpf_map__fd", call(() -> (int) MAP_FD.invokeExact(map)));
    }

    public static void setMaxEntries(MemorySegment map, int maxEntries) {
        check("bpf_map__set_max_entries", call(() -> (int) MAP_SET_MAX_ENTRIES.invokeExact(map, maxEntries)));
    }

    public static int programFd(MemorySegment program) {
        return check("bpf_program__fd", call(() -> (int) PROGRAM_FD.invokeExact(program)));
    }

    public static void setAutoload(MemorySegment program, boolean autoload) {
        check("bpf_program__set_autoload", call(() -> (int) PROGRAM_SET_AUTOLOAD.invokeExact(program, (byte) (autoload ? 1 : 0))));
    }

    /** Loads raw instructions (8 bytes each) as a tc program; returns its fd. */
    public static int loadProgram(String name, MemorySegment instructions) {
        LibbpfLog.clear();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocateFrom(name);
            MemorySegment license = a.allocateFrom("Dual BSD/GPL");
            long count = instructions.byteSize() / 8;
            return check("bpf_prog_load " + name, call(() -> (int) PROG_LOAD.invokeExact(BPF_PROG_TYPE_SCHED_CLS, n, license,
                    instructions, count, MemorySegment.NULL)));
        }
    }

    // ---- maps ---------------------------------------------------------------------------------------------

    public static int createMap(int type, String name, int keySize, int valueSize, int maxEntries, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment opts = a.allocate(48, 8);
            opts.set(JAVA_LONG, 0, 48);
            opts.set(JAVA_INT, 28, flags);
            MemorySegment n = a.allocateFrom(name);
            return check("bpf_map_create " + name, call(() -> (int) MAP_CREATE.invokeExact(type, n, keySize, valueSize, maxEntries, opts)));
        }
    }

    /** Returns 0, or the negative errno (callers tell "full" and "exists" apart from real failures). */
    public static int updateElement(int fd, MemorySegment key, MemorySegment value, long flags) {
        return call(() -> (int) MAP_UPDATE.invokeExact(fd, key, value, flags));
    }

    /** True if found ({@code value} filled), false for ENOENT. */
    public static boolean lookupElement(int fd, MemorySegment key, MemorySegment value) {
        int r = call(() -> (int) MAP_LOOKUP.invokeExact(fd, key, value));
        if (r == -2) return false;
        check("bpf_map_lookup_elem", r);
        return true;
    }

    /** Returns 0, or the negative errno (ENOENT when there was nothing to delete). */
    public static int deleteElement(int fd, MemorySegment key) {
        return call(() -> (int) MAP_DELETE.invokeExact(fd, key));
    }

    /** The key after {@code key} ({@link MemorySegment#NULL} for the first) in {@code next}; false at the end. */
    public static boolean nextKey(int fd, MemorySegment key, MemorySegment next) {
        int r = call(() -> (int) MAP_NEXT_KEY.invokeExact(fd, key, next));
        if (r == -2) return false;
        check("bpf_map_get_next_key", r);
        return true;
    }

    /**
     * Writes {@code count} keys and values in one call. Returns how many the kernel wrote and the errno of the
     * element it stopped at (0 if none): the kernel processes elements in order and stops at the first failure.
     */
    public static BatchOutcome updateBatch(int fd, MemorySegment keys, MemorySegment values, int count) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocateFrom(JAVA_INT, count);
            int r = call(() -> (int) MAP_UPDATE_BATCH.invokeExact(fd, keys, values, n, batchOpts(a)));
            return new BatchOutcome(n.get(JAVA_INT, 0), r < 0 ? -r : 0);
        }
    }

    public static BatchOutcome deleteBatch(int fd, MemorySegment keys, int count) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocateFrom(JAVA_INT, count);
            int r = call(() -> (int) MAP_DELETE_BATCH.invokeExact(fd, keys, n, batchOpts(a)));
            return new BatchOutcome(n.get(JAVA_INT, 0), r < 0 ? -r : 0);
        }
    }

    /** Elements done and the errno that stopped the batch (0 if it completed). */
    public record BatchOutcome(int done, int errno) {}

    private static MemorySegment batchOpts(Arena a) {
        MemorySegment opts = a.allocate(24, 8);
        opts.set(JAVA_LONG, 0, 24);
        return opts;
    }

    public static void pin(int fd, String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            check("bpf_obj_pin " + path, call(() -> (int) OBJ_PIN.invokeExact(fd, p)));
        }
    }

    public static int getPinned(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            return check("bpf_obj_get " + path, call(() -> (int) OBJ_GET.invokeExact(p)));
        }
    }

    /** {@code bpf_map_info} of a map fd: type, id, key size, value size, max entries, flags, name. */
    public static MapInfo mapInfo(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(88, 8);
            MemorySegment len = a.allocateFrom(JAVA_INT, 88);
            check("bpf_obj_get_info_by_fd", call(() -> (int) OBJ_INFO.invokeExact(fd, info, len)));
            return new MapInfo(info.get(JAVA_INT, 0), info.get(JAVA_INT, 4), info.get(JAVA_INT, 8), info.get(JAVA_INT, 12),
                    info.get(JAVA_INT, 16), info.get(JAVA_INT, 20), info.asSlice(24, 16).getString(0));
        }
    }

    public record MapInfo(int type, int id, int keySize, int valueSize, int maxEntries, int flags, String name) {}

    /**
     * Turns on the kernel's per-program run-time statistics (BPF_STATS_RUN_TIME) for as long as the returned fd
     * stays open; they cost two clock reads per program run, so only measurements turn them on.
     */
    public static int enableRunTimeStats() {
        return check("bpf_enable_stats", call(() -> (int) ENABLE_STATS.invokeExact(0)));
    }

    /** Total run time (ns) and run count of a program since statistics were turned on. */
    public static long[] programRunStats(int progFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(232, 8);
            MemorySegment len = a.allocateFrom(JAVA_INT, 232);
            check("bpf_obj_get_info_by_fd", call(() -> (int) OBJ_INFO.invokeExact(progFd, info, len)));
            return new long[] {info.get(JAVA_LONG, 192), info.get(JAVA_LONG, 200)};
        }
    }

    public static int possibleCpus() {
        return check("libbpf_num_possible_cpus", call(() -> (int) NUM_POSSIBLE_CPUS.invokeExact()));
    }

    // ---- test runs ----------------------------------------------------------------------------------------

    /**
     * Runs a program once on {@code packet} with {@code context} (a {@code struct __sk_buff}, which the kernel
     * reads in and writes back). Returns the program's return value.
     */
    public static int testRun(int progFd, MemorySegment packet, MemorySegment packetOut, MemorySegment context) {
        return (int) testRun(progFd, packet, packetOut, context, 1)[0];
    }

    /**
     * Runs a program {@code repeat} times on the same packet; returns its last return value and the kernel's mean
     * run time in ns (the kernel times the loop, so no system call is in it).
     */
    public static long[] testRun(int progFd, MemorySegment packet, MemorySegment packetOut, MemorySegment context, int repeat) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment opts = a.allocate(80, 8);
            opts.set(JAVA_LONG, 0, 80);
            opts.set(ADDRESS, 8, packet);
            opts.set(ADDRESS, 16, packetOut);
            opts.set(JAVA_INT, 24, (int) packet.byteSize());
            opts.set(JAVA_INT, 28, (int) packetOut.byteSize());
            opts.set(ADDRESS, 32, context);
            opts.set(ADDRESS, 40, context);
            opts.set(JAVA_INT, 48, (int) context.byteSize());
            opts.set(JAVA_INT, 52, (int) context.byteSize());
            opts.set(JAVA_INT, 60, repeat);
            check("bpf_prog_test_run_opts", call(() -> (int) PROG_TEST_RUN.invokeExact(progFd, opts)));
            return new long[] {opts.get(JAVA_INT, 56), Integer.toUnsignedLong(opts.get(JAVA_INT, 64))};
        }
    }

    // ---- tc -----------------------------------------------------------------------------------------------

    private static MemorySegment tcHook(Arena a, int ifindex, int attachPoint) {
        MemorySegment hook = a.allocate(24, 8);
        hook.set(JAVA_LONG, 0, 24);
        hook.set(JAVA_INT, 8, ifindex);
        hook.set(JAVA_INT, 12, attachPoint);
        return hook;
    }

    private static MemorySegment tcOpts(Arena a, int progFd, int flags, int handle, int priority) {
        MemorySegment opts = a.allocate(32, 8);
        opts.set(JAVA_LONG, 0, 32);
        opts.set(JAVA_INT, 8, progFd);
        opts.set(JAVA_INT, 12, flags);
        opts.set(JAVA_INT, 20, handle);
        opts.set(JAVA_INT, 24, priority);
        return opts;
    }

    /** Creates the device's clsact qdisc (both hooks); an existing one is kept. Runs in the caller's netns. */
    public static void createClsact(int ifindex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hook = tcHook(a, ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS);
            int r = call(() -> (int) TC_HOOK_CREATE.invokeExact(hook));
            if (r != -17) check("bpf_tc_hook_create ifindex " + ifindex, r);
        }
    }

    /** Attaches (or atomically replaces) the direct-action filter {@code handle}/{@code priority}. */
    public static void tcAttach(int ifindex, int attachPoint, int progFd, int handle, int priority) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hook = tcHook(a, ifindex, attachPoint);
            MemorySegment opts = tcOpts(a, progFd, BPF_TC_F_REPLACE, handle, priority);
            check("bpf_tc_attach ifindex " + ifindex, call(() -> (int) TC_ATTACH.invokeExact(hook, opts)));
        }
    }

    /** Returns 0, or the negative errno (ENOENT when no such filter is attached). */
    public static int tcDetach(int ifindex, int attachPoint, int handle, int priority) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hook = tcHook(a, ifindex, attachPoint);
            MemorySegment opts = tcOpts(a, 0, 0, handle, priority);
            return call(() -> (int) TC_DETACH.invokeExact(hook, opts));
        }
    }

    /** The id of the program attached as {@code handle}/{@code priority}, or 0 if none. */
    public static int tcQuery(int ifindex, int attachPoint, int handle, int priority) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hook = tcHook(a, ifindex, attachPoint);
            MemorySegment opts = tcOpts(a, 0, 0, handle, priority);
            int r = call(() -> (int) TC_QUERY.invokeExact(hook, opts));
            if (r == -2 || r == -22) return 0;
            check("bpf_tc_query ifindex " + ifindex, r);
            return opts.get(JAVA_INT, 16);
        }
    }

    // ---- ring buffer --------------------------------------------------------------------------------------

    /** {@code callback} is an upcall stub of {@code int (*)(void *ctx, void *data, size_t size)}. */
    public static MemorySegment ringBufferNew(int mapFd, MemorySegment callback) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            LibbpfLog.clear();
            MemorySegment rb = (MemorySegment) RING_BUFFER_NEW.invokeExact(st, mapFd, callback, MemorySegment.NULL, MemorySegment.NULL);
            if (rb.equals(MemorySegment.NULL)) throw failure("ring_buffer__new", (int) ERRNO.get(st, 0L));
            return rb;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Waits up to {@code timeoutMillis} and consumes what arrived; returns the number of records. */
    public static int ringBufferPoll(MemorySegment rb, int timeoutMillis) {
        int r = call(() -> (int) RING_BUFFER_POLL.invokeExact(rb, timeoutMillis));
        if (r == -4) return 0;
        return check("ring_buffer__poll", r);
    }

    public static int ringBufferConsume(MemorySegment rb) {
        return check("ring_buffer__consume", call(() -> (int) RING_BUFFER_CONSUME.invokeExact(rb)));
    }

    public static void ringBufferFree(MemorySegment rb) {
        try {
            RING_BUFFER_FREE.invokeExact(rb);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The upcall stub type of a ring buffer's sample callback. */
    public static FunctionDescriptor sampleCallbackDescriptor() {
        return FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    }

    // ---- plumbing -----------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface IntCall {
        int invoke() throws Throwable;
    }

    private static int call(IntCall c) {
        try {
            return c.invoke();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** libbpf 1.x returns negative errno values directly. */
    private static int check(String what, int result) {
        if (result < 0) throw failure(what, -result);
        return result;
    }

    private static LibbpfException failure(String what, int errno) {
        return new LibbpfException(what, errno, LibbpfLog.drain());
    }

    /** What libbpf printed on this thread since its last call here (for callers that report a negative return). */
    public static List<String> messages() {
        return LibbpfLog.drain();
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
