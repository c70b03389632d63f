package dev.ward.agent.flows;

import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.Label;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The labels of security identities, as the policy engine holds them, for the flow hub's thread. The engine lives on
 * its own thread, so an identity not seen lately is asked of it there, waiting a bounded time: a busy engine delays
 * the hub (whose queue absorbs it), never a source; a flow whose identity could not be asked in time goes on with
 * the labels last known, or none. Answers are kept for {@code maxAge}: identity numbers are reused only after their
 * identity is gone, and node-local ones gain and lose DNS names. That the engine does not know an identity is kept
 * only until the engine next changes ({@link #engineChanged}): a new pod's first packets may come before its identity
 * reaches the engine.
 */
public final class IdentityLabels {
    private record Known(List<String> labels, long at, long generation) {}

    private final IntFunction<CompletableFuture<List<String>>> lookup;
    private final Duration wait;
    private final long maxAgeNanos;
    private final LongSupplier nanos;
    private final Map<Integer, Known> known = new HashMap<>();
    private final Map<Integer, CompletableFuture<List<String>>> asking = new HashMap<>();
    private final AtomicLong generation = new AtomicLong();

    /** @param lookup an identity's labels, or null when the engine does not know it */
    public IdentityLabels(IntFunction<CompletableFuture<List<String>>> lookup, Duration wait, Duration maxAge, LongSupplier nanos) {
        this.lookup = lookup;
        this.wait = wait;
        this.maxAgeNanos = maxAge.toNanos();
        this.nanos = nanos;
    }

    /** Labels from the engine of {@code loop}, asked on its thread. */
    public static IdentityLabels of(PolicyEngineLoop loop) {
        IdentityLabels labels = new IdentityLabels(id -> loop.call(() -> {
            Identity i = loop.engine().identity(id);
            return i == null ? null : render(i);
        }), Duration.ofMillis(250), Duration.ofSeconds(10), System::nanoTime);
        loop.addObserver(d -> labels.engineChanged());
        return labels;
    }

    /** Any thread: the engine changed, so identities it did not know may be known now. */
    public void engineChanged() {
        generation.incrementAndGet();
    }

    /** An identity's labels as flows show them: its labels, then {@code fqdn:NAME} for each DNS name seen for it. */
    public static List<String> render(Identity i) {
        List<String> out = new ArrayList<>();
        for (Label l : i.labels()) out.add(l.toString());
        for (String name : i.fqdnNames()) {
            String fqdn = "fqdn:" + name;
            if (!out.contains(fqdn)) out.add(fqdn);
        }
        return out;
    }

    /** Hub thread only. Empty for identity 0 (unknown) and identities the engine does not know. */
    public List<String> of(int identity) {
        if (identity == 0) return List.of();
        long now = nanos.getAsLong();
        Known k = known.get(identity);
        boolean fresh = k != null && now - k.at() < maxAgeNanos && (!k.labels().isEmpty() || k.generation() == generation.get());
        if (fresh) return k.labels();
        long asked = generation.get();
        CompletableFuture<List<String>> pending = asking.computeIfAbsent(identity, lookup::apply);
        try {
            List<String> labels = pending.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            asking.remove(identity);
            List<String> l = labels == null ? List.of() : List.copyOf(labels);
            known.put(identity, new Known(l, now, asked));
            return l;
        } catch (java.util.concurrent.TimeoutException e) {
            // Still asked: a later flow of this identity takes the answer once it is there.
            return k == null ? List.of() : k.labels();
        } catch (java.util.concurrent.ExecutionException e) {
            asking.remove(identity);
            return k == null ? List.of() : k.labels();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return k == null ? List.of() : k.labels();
        }
    }
}
