package dev.ward.agent.flows;

import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** The hub between sources and readers: sources never wait, readers lose only their own flows, replay has no gap. */
class FlowHubTest {
    private FlowHub hub;

    @AfterEach
    void close() {
        if (hub != null) hub.close();
    }

    private static Flow flow(int port) {
        return Flows.l3l4(FlowVerdict.FORWARDED, Direction.EGRESS, "10.0.0.1", 40000, 1001, "10.0.0.2", port, 1002, null);
    }

    private static List<Integer> ports(FlowSubscription s, int n) throws InterruptedException {
        List<Integer> out = new ArrayList<>();
        while (out.size() < n) {
            Flow f = s.poll(Duration.ofSeconds(5));
            if (f == null) break;
            out.add(f.destination().port());
        }
        return out;
    }

    @Test
    void aReaderThatNeverReadsLosesItsOwnFlowsCountedWhileTheSourceAndOtherReadersGoOn() throws Exception {
        hub = new FlowHub(UnaryOperator.identity(), new FlowHub.Settings(100_000, 0));
        FlowSubscription stalled = hub.subscribe("monitor", f -> true, 10, 0);
        FlowSubscription reading = hub.subscribe("flowlog", f -> true, 100_000, 0);
        long start = System.nanoTime();
        for (int i = 1; i <= 50_000; i++) hub.publish(flow(i % 65535 + 1));
        long publishNanos = System.nanoTime() - start;
        assertEquals(50_000, ports(reading, 50_000).size(), "the reading reader got every flow");
        assertEquals(10, ports(stalled, 10).size());
        assertEquals(49_990, stalled.lost());
        assertEquals(49_990L, hub.losses().get("monitor"));
        assertEquals(0L, hub.losses().get(FlowHub.LOST_AT_HUB));
        assertEquals(50_000, hub.seen(FlowType.L3L4));
        // 50,000 hand-offs into a queue: far below a millisecond each even on a loaded machine.
        assertTrue(publishNanos < TimeUnit.SECONDS.toNanos(5), "publishing took " + publishNanos / 1_000_000 + " ms");
    }

    @Test
    void aHubStuckCompletingAFlowDropsAndCountsWhatItsQueueCannotHoldAndNeverBlocksTheSource() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> completedOn = new ArrayList<>();
        hub = new FlowHub(f -> {
            synchronized (completedOn) {
                completedOn.add(Thread.currentThread().getName());
            }
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return f;
        }, new FlowHub.Settings(100, 0));
        FlowSubscription s = hub.subscribe("monitor", f -> true, 1000, 0);
        long start = System.nanoTime();
        for (int i = 1; i <= 1000; i++) hub.publish(flow(i));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "the source waited for the stuck hub");
        release.countDown();
        List<Integer> got = ports(s, 101);
        long lost = hub.losses().get(FlowHub.LOST_AT_HUB);
        assertEquals(1000, got.size() + lost, "every flow was delivered or counted lost: " + got.size() + " + " + lost);
        assertTrue(lost >= 1000 - 101, "lost " + lost);
        synchronized (completedOn) {
            assertTrue(completedOn.stream().allMatch(n -> n.equals("ward-flow-hub")), "labels are looked up on the hub's thread: " + completedOn);
        }
    }

    @Test
    void aReaderAskingForRecentFlowsGetsTheLastMatchingOnesThenTheLiveOnesWithoutGapOrRepeat() throws Exception {
        hub = new FlowHub(UnaryOperator.identity(), new FlowHub.Settings(1000, 50));
        FlowSubscription all = hub.subscribe("monitor", f -> true, 1000, 0);
        for (int i = 1; i <= 100; i++) hub.publish(flow(i));
        assertEquals(100, ports(all, 100).size(), "the hub delivered the first hundred");
        FlowSubscription even = hub.subscribe("monitor", f -> f.destination().port() % 2 == 0, 1000, 10);
        for (int i = 101; i <= 104; i++) hub.publish(flow(i));
        assertEquals(List.of(82, 84, 86, 88, 90, 92, 94, 96, 98, 100, 102, 104), ports(even, 12));
        assertEquals(10, even.replayed(), "the first ten came from the history, the rest live");
        assertEquals(0, all.replayed());
        FlowSubscription more = hub.subscribe("monitor", f -> true, 1000, 500);
        List<Integer> replayed = ports(more, 50);
        assertEquals(50, replayed.size(), "no more than the history holds");
        assertEquals(55, replayed.getFirst(), "the history's oldest is the 55th of 104 flows");
        assertNull(more.poll(Duration.ofMillis(100)), "and nothing twice");
        assertEquals(50, more.replayed());
        assertEquals(7, hub.subscribe("monitor", f -> true, 7, 500).replayed(), "a replay counts only what the reader's queue took");
    }

    @Test
    void aFloodOfL3FlowsLeavesTheLastL7AndDnsFlowsInTheHistoryInTheirOrder() throws Exception {
        hub = new FlowHub(UnaryOperator.identity(), new FlowHub.Settings(10_000, 50));
        FlowSubscription all = hub.subscribe("monitor", f -> true, 10_000, 0);
        hub.publish(Flows.l7("/v1/exhaust-port", FlowVerdict.DROPPED));
        hub.publish(Flows.dns("api.domain.com", FlowVerdict.FORWARDED, null));
        hub.publish(Flows.l7("/v1/request-landing", FlowVerdict.FORWARDED));
        for (int i = 1; i <= 500; i++) hub.publish(flow(i));
        int delivered = 0;
        while (delivered < 503 && all.poll(Duration.ofSeconds(5)) != null) delivered++;
        assertEquals(503, delivered);
        FlowSubscription l7 = hub.subscribe("monitor", f -> f.type() == FlowType.L7, 100, 10);
        assertEquals(FlowVerdict.DROPPED, l7.poll(Duration.ofSeconds(5)).verdict(), "500 L3 flows later the L7 ones are still there");
        assertEquals(FlowVerdict.FORWARDED, l7.poll(Duration.ofSeconds(5)).verdict());
        assertNull(l7.poll(Duration.ofMillis(100)));
        FlowSubscription mixed = hub.subscribe("monitor", f -> true, 100, 3);
        List<FlowType> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) order.add(mixed.poll(Duration.ofSeconds(5)).type());
        assertEquals(List.of(FlowType.L3L4, FlowType.L3L4, FlowType.L3L4), order, "a replay across types is the last flows in their order");
        FlowSubscription allKept = hub.subscribe("monitor", f -> true, 1000, 1000);
        List<FlowType> kept = new ArrayList<>();
        for (Flow f; (f = allKept.poll(Duration.ofMillis(200))) != null; ) kept.add(f.type());
        assertEquals(53, kept.size(), "50 L3/L4 flows, the 2 L7 and the DNS one");
        assertEquals(List.of(FlowType.L7, FlowType.DNS, FlowType.L7, FlowType.L3L4), kept.subList(0, 4), "in the order they came");
    }

    @Test
    void closingTheHubEndsItsReadersAfterTheFlowsAlreadyQueued() throws Exception {
        hub = new FlowHub(UnaryOperator.identity(), FlowHub.Settings.DEFAULT);
        FlowSubscription s = hub.subscribe("monitor", f -> true, 1000, 0);
        for (int i = 1; i <= 20; i++) hub.publish(flow(i));
        hub.close();
        assertEquals(20, ports(s, 20).size());
        assertNull(s.poll(Duration.ofMillis(100)));
        assertTrue(s.closed());
        hub.publish(flow(1));
        assertEquals(1L, hub.losses().get(FlowHub.LOST_AT_HUB), "a flow published after the close is counted lost");
        assertTrue(hub.subscribe("monitor", f -> true, 10, 0).closed());
    }

    @Test
    void aReaderThatLeavesKeepsItsLossesInTheCount() throws Exception {
        hub = new FlowHub(UnaryOperator.identity(), new FlowHub.Settings(1000, 0));
        FlowSubscription s = hub.subscribe("monitor", f -> true, 1, 0);
        for (int i = 1; i <= 5; i++) hub.publish(flow(i));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (s.lost() < 4 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(4, s.lostSinceLastAsked());
        assertEquals(0, s.lostSinceLastAsked(), "a report is given once");
        s.close();
        assertEquals(0, hub.readers());
        assertEquals(4L, hub.losses().get("monitor"), "losses are a counter: they never go down");
    }
}
