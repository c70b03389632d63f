package dev.ward.bpf.load;

import dev.ward.bpf.sys.Libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs a tc program once on a crafted packet (BPF_PROG_TEST_RUN), as if it arrived on device {@code ifindex}
 * of the calling thread's network namespace: the program's own maps, helpers and ring buffer all take part.
 * Returns the program's verdict and the mark it left on the packet.
 */
public final class ProgramTestRun {
    private static final int SK_BUFF_SIZE = 192;
    private static final int MARK_OFFSET = 8;
    private static final int IFINDEX_OFFSET = 40;

    public record Result(int returnValue, int mark) {}

    private ProgramTestRun() {}

    /** The program's mean run time in ns over {@code repeat} runs on the same packet. */
    public static long meanRunNanos(int programFd, byte[] packet, int ifindex, int repeat) {
        try (Arena a = Arena.ofConfined()) {
            return run(a, a.allocate(SK_BUFF_SIZE, 8), programFd, packet, ifindex, repeat)[1];
        }
    }

    public static Result run(int programFd, byte[] packet, int ifindex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(SK_BUFF_SIZE, 8);
            long[] r = run(a, ctx, programFd, packet, ifindex, 1);
            return new Result((int) r[0], ctx.get(ValueLayout.JAVA_INT, MARK_OFFSET));
        }
    }

    /** Return value and mean ns per run; the kernel writes the packet's context back into {@code ctx}. */
    private static long[] run(Arena a, MemorySegment ctx, int programFd, byte[] packet, int ifindex, int repeat) {
        MemorySegment in = a.allocate(packet.length, 8);
        MemorySegment.copy(packet, 0, in, ValueLayout.JAVA_BYTE, 0, packet.length);
        MemorySegment out = a.allocate(packet.length + 256, 8);
        ctx.set(ValueLayout.JAVA_INT, IFINDEX_OFFSET, ifindex);
        return Libbpf.testRun(programFd, in, out, ctx, repeat);
    }
}
