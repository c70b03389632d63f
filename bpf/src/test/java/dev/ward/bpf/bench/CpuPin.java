package dev.ward.bpf.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Pins the calling thread to one CPU (sched_setaffinity). The request/response client and its echo thread
 * share one CPU, so a round trip costs two passes through the stack and the datapath plus two context
 * switches, not the wake-up of an idle CPU, which otherwise swings the rate by 3x from round to round.
 */
final class CpuPin {
    private static final MethodHandle SET_AFFINITY = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    static final int RR_CPU = 0;

    private CpuPin() {
    }

    static void current(int cpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(128);
            mask.set(java.lang.foreign.ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            int r = (int) SET_AFFINITY.invokeExact(0, 128L, mask);
            if (r != 0) throw new IllegalStateException("sched_setaffinity to CPU " + cpu + " failed");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
