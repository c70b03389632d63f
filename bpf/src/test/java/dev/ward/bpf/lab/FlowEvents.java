package dev.ward.bpf.lab;

import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Waiting on the datapath's ring buffer in tests. */
public final class FlowEvents {
    private FlowEvents() {}

    /** Events read until one matches (3 s at most), all returned; an AssertionError naming them if none did. */
    public static List<FlowEvent> await(FlowEventReader events, Predicate<FlowEvent> wanted) {
        List<FlowEvent> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            seen.addAll(events.poll(Duration.ofMillis(200)));
            if (seen.stream().anyMatch(wanted)) return seen;
        }
        throw new AssertionError("no such event among " + seen);
    }

    /** The first event that matches, as {@link #await} finds it. */
    public static FlowEvent first(FlowEventReader events, Predicate<FlowEvent> wanted) {
        return await(events, wanted).stream().filter(wanted).findFirst().orElseThrow();
    }
}
