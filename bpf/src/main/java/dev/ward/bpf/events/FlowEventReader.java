package dev.ward.bpf.events;

import dev.ward.bpf.sys.Libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads flow events from the datapath's ring buffer through libbpf's consumer. {@link #poll} blocks until
 * events arrive or the timeout passes; call it from one thread. Records that do not decode are counted, not
 * thrown: one bad record must not stop the stream.
 */
public final class FlowEventReader implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private final List<FlowEvent> batch = new ArrayList<>();
    private long undecodable;

    private FlowEventReader(int mapFd) {
        try {
            MethodHandle target = MethodHandles.lookup().findVirtual(FlowEventReader.class, "onSample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class)).bindTo(this);
            MemorySegment stub = Linker.nativeLinker().upcallStub(target, Libbpf.sampleCallbackDescriptor(), arena);
            this.ring = Libbpf.ringBufferNew(mapFd, stub);
        } catch (ReflectiveOperationException e) {
            arena.close();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public static FlowEventReader open(int mapFd) {
        return new FlowEventReader(mapFd);
    }

    private int onSample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            batch.add(FlowEventDecoder.decode(data.reinterpret(size).asByteBuffer()));
        } catch (RuntimeException e) {
            undecodable++;
        }
        return 0;
    }

    /** Waits up to {@code timeout} for events and returns every event that arrived. */
    public List<FlowEvent> poll(Duration timeout) {
        batch.clear();
        Libbpf.ringBufferPoll(ring, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        return List.copyOf(batch);
    }

    /** Returns the events already there, without waiting. */
    public List<FlowEvent> drain() {
        batch.clear();
        Libbpf.ringBufferConsume(ring);
        return List.copyOf(batch);
    }

    public long undecodable() {
        return undecodable;
    }

    @Override
    public void close() {
        Libbpf.ringBufferFree(ring);
        arena.close();
    }
}
