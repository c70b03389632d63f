package dev.ward.agent.flows;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** Labels asked of the engine at most once per identity and age, a busy engine costing the hub a bounded wait. */
class IdentityLabelsTest {
    @Test
    void aKnownIdentityIsAskedOncePerAgeAndAnUnknownOneAgainAfterTheEngineChanged() {
        AtomicInteger asked = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        List<String>[] answer = new List[] {null};
        IdentityLabels labels = new IdentityLabels(id -> {
            asked.incrementAndGet();
            return CompletableFuture.completedFuture(answer[0]);
        }, Duration.ofMillis(100), Duration.ofSeconds(10), now::get);
        assertEquals(List.of(), labels.of(1003), "the engine does not know it yet");
        assertEquals(List.of(), labels.of(1003));
        assertEquals(1, asked.get(), "not asked again while the engine is unchanged");
        answer[0] = List.of("k8s:class=deathstar");
        labels.engineChanged();
        assertEquals(List.of("k8s:class=deathstar"), labels.of(1003));
        now.addAndGet(TimeUnit.SECONDS.toNanos(9));
        labels.engineChanged();
        assertEquals(List.of("k8s:class=deathstar"), labels.of(1003));
        assertEquals(2, asked.get(), "a known identity is kept for its age whatever the engine does");
        now.addAndGet(TimeUnit.SECONDS.toNanos(2));
        labels.of(1003);
        assertEquals(3, asked.get());
        assertEquals(List.of(), labels.of(0), "identity 0 is unknown by definition");
        assertEquals(3, asked.get());
    }

    @Test
    void aBusyEngineCostsAtMostTheWaitAndItsLateAnswerServesTheNextFlow() {
        CompletableFuture<List<String>> late = new CompletableFuture<>();
        AtomicInteger asked = new AtomicInteger();
        IdentityLabels labels = new IdentityLabels(id -> {
            asked.incrementAndGet();
            return late;
        }, Duration.ofMillis(100), Duration.ofSeconds(10), System::nanoTime);
        long start = System.nanoTime();
        assertEquals(List.of(), labels.of(1001));
        long took = System.nanoTime() - start;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(90) && took < TimeUnit.SECONDS.toNanos(2), took / 1_000_000 + " ms");
        late.complete(List.of("k8s:org=empire"));
        assertEquals(List.of("k8s:org=empire"), labels.of(1001));
        assertEquals(1, asked.get(), "the question still open was not asked twice");
    }
}
