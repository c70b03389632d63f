package dev.ward.bpf.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libbpf's print callback: libbpf reports why a map could not be created or a program not loaded only through
 * it. Messages go to the calling thread's list (libbpf calls back on the thread that called it), so each
 * failure carries exactly what libbpf said while that call ran. Debug chatter is dropped.
 */
final class LibbpfLog {
    private static final int LIBBPF_DEBUG = 2;
    private static final int MESSAGE_MAX = 16 * 1024;
    private static final ThreadLocal<List<String>> MESSAGES = ThreadLocal.withInitial(ArrayList::new);
    private static final ThreadLocal<MemorySegment> BUFFER =
            ThreadLocal.withInitial(() -> Arena.global().allocate(MESSAGE_MAX));
    private static final MethodHandle VSNPRINTF;

    static {
        Linker linker = Linker.nativeLinker();
        VSNPRINTF = linker.downcallHandle(linker.defaultLookup().find("vsnprintf").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    }

    private LibbpfLog() {}

    /** The upcall stub to pass to libbpf_set_print: {@code int (*)(enum level, const char *fmt, va_list ap)}. */
    static MemorySegment callback() {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(LibbpfLog.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** On x86-64 a va_list parameter is a pointer to its state, which vsnprintf takes as it is. */
    private static int print(int level, MemorySegment format, MemorySegment args) {
        if (level >= LIBBPF_DEBUG) return 0;
        try {
            MemorySegment buf = BUFFER.get();
            int n = (int) VSNPRINTF.invokeExact(buf, (long) MESSAGE_MAX, format, args);
            if (n > 0) MESSAGES.get().add(buf.getString(0).strip());
        } catch (Throwable t) {
            // An exception must never unwind into libbpf's C frames.
        }
        return 0;
    }

    static void clear() {
        MESSAGES.get().clear();
    }

    /** What libbpf printed on this thread since the last {@link #clear()}, and clears it. */
    static List<String> drain() {
        List<String> m = MESSAGES.get();
        List<String> out = List.copyOf(m);
        m.clear();
        return out;
    }
}
