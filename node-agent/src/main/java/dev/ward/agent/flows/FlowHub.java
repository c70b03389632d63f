package dev.ward.agent.flows;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Where every flow of the node meets: sources (the datapath's ring buffer reader, the DNS and L7 proxies'
 * listeners) {@link #publish} flows, readers {@link #subscribe}. Publishing never blocks a source: a flow goes into a
 * bounded queue (when full it is dropped and counted under {@code hub}); the hub's one thread then completes it
 * (identity labels, endpoint names: work that may wait on the policy engine, so never on a source's thread), keeps
 * it in a bounded history for readers that ask for recent flows, and hands it to each reader's own bounded queue.
 * The history is bounded per flow type, so a burst of L3/L4 flows (a scan, a crash-looping client) cannot push the
 * last DNS and L7 flows out of it.
 *
 * <p>How a new source publishes: build a {@link Flow} from its event (identities as numbers; labels and local endpoint
 * names may be left empty for the hub to fill) and call {@link #publish} from any thread. Losses that happen before
 * a flow reaches the hub (a kernel ring buffer that overflowed) are reported with {@link #countLosses}, so every
 * lost flow shows in one metric.
 */
public final class FlowHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlowHub.class);
    private static final Flow STOP = new Flow(java.time.Instant.EPOCH, "", FlowVerdict.ERROR, dev.ward.policy.model.Direction.EGRESS,
            new FlowPeer(null, 0, 0, null, null), new FlowPeer(null, 0, 0, null, null), "", null, null,
            new FlowDetail.L3L4("", 0, 0, 0, 0, 0));

    /**
     * @param ingest  flows waiting for the hub's thread; beyond it sources' flows are dropped (counted)
     * @param history recent flows kept of each type for readers that ask to start with them
     */
    public record Settings(int ingest, int history) {
        public static final Settings DEFAULT = new Settings(16_384, 4_096);

        public Settings {
            if (ingest < 1 || history < 0) throw new IllegalArgumentException("flow hub sizes must be positive: " + ingest + ", " + history);
        }
    }

    /** The stage name under which flows the hub's own queue could not take are counted. */
    public static final String LOST_AT_HUB = "hub";

    private final UnaryOperator<Flow> completion;
    private final Settings settings;
    private final BlockingQueue<Flow> ingest;
    /** A flow in the history, numbered in delivery order so a replay across types keeps that order. */
    private record Kept(long sequence, Flow flow) {}

    /** Guards the history and the readers: a flow is kept and offered under it, so replay and live never overlap. */
    private final Object history = new Object();
    private final Map<FlowType, ArrayDeque<Kept>> kept = new EnumMap<>(FlowType.class);
    private long delivered;
    private final List<FlowSubscription> readers = new CopyOnWriteArrayList<>();
    private final Map<FlowType, AtomicLong> seen = new EnumMap<>(FlowType.class);
    private final AtomicLong lostAtHub = new AtomicLong();
    private final Map<String, LongSupplier> losses = new ConcurrentHashMap<>();
    /** Losses of readers that are gone, so the counts only ever grow. */
    private final Map<String, AtomicLong> retiredLosses = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    /** @param completion fills in what sources leave empty (labels, endpoint names); runs on the hub's thread */
    public FlowHub(UnaryOperator<Flow> completion, Settings settings) {
        this.completion = completion;
        this.settings = settings;
        this.ingest = new ArrayBlockingQueue<>(settings.ingest());
        for (FlowType t : FlowType.values()) {
            seen.put(t, new AtomicLong());
            kept.put(t, new ArrayDeque<>(Math.min(settings.history(), 1024)));
        }
        losses.put(LOST_AT_HUB, lostAtHub::get);
        this.thread = Thread.ofPlatform().daemon().name("ward-flow-hub").start(this::run);
    }

    /** Any thread, never blocks: the flow is queued for the hub, or dropped and counted if the queue is full. */
    public void publish(Flow flow) {
        if (closed || !ingest.offer(flow)) lostAtHub.incrementAndGet();
    }

    /**
     * A new reader of flows matching {@code filter}, its queue holding {@code capacity} flows; it first gets the last
     * {@code replay} matching flows of the history (at most what the history holds), in the order they came, then every
     * new one, with no gap or repeat between the two.
     */
    public FlowSubscription subscribe(String name, Predicate<Flow> filter, int capacity, int replay) {
        FlowSubscription[] self = new FlowSubscription[1];
        FlowSubscription s = new FlowSubscription(name, filter, capacity, () -> retire(self[0]));
        self[0] = s;
        synchronized (history) {
            if (replay > 0) {
                List<Kept> recent = new ArrayList<>();
                for (ArrayDeque<Kept> ofType : kept.values()) {
                    int taken = 0;
                    for (var it = ofType.descendingIterator(); it.hasNext() && taken < replay; ) {
                        Kept k = it.next();
                        if (s.matches(k.flow())) {
                            recent.add(k);
                            taken++;
                        }
                    }
                }
                recent.sort(Comparator.comparingLong(Kept::sequence));
                recent.subList(0, Math.max(0, recent.size() - replay)).clear();
                int queued = 0;
                for (Kept k : recent) if (s.offer(k.flow())) queued++;
                s.replayed(queued);
            }
            readers.add(s);
        }
        if (closed) s.close();
        return s;
    }

    /** Reports flows lost before they reached the hub under {@code stage} (e.g. {@code ringbuf}); see {@link #losses}. */
    public void countLosses(String stage, LongSupplier lost) {
        if (losses.putIfAbsent(stage, lost) != null) throw new IllegalStateException("flow losses at " + stage + " are counted already");
    }

    /** Flows lost so far, by stage: before the hub (sources' own), at the hub, and per reader (by reader name, summed). */
    public Map<String, Long> losses() {
        Map<String, Long> out = new LinkedHashMap<>();
        losses.forEach((stage, n) -> out.put(stage, n.getAsLong()));
        synchronized (history) {
            for (FlowSubscription r : readers) out.merge(r.name(), r.lost(), Long::sum);
            retiredLosses.forEach((name, n) -> out.merge(name, n.get(), Long::sum));
        }
        return out;
    }

    /** Flows the hub handed to its readers, by type. */
    public long seen(FlowType type) {
        return seen.get(type).get();
    }

    public int readers() {
        return readers.size();
    }

    private void run() {
        try {
            while (true) {
                Flow f = ingest.poll(1, TimeUnit.SECONDS);
                if (f == STOP) return;
                if (f == null) continue;
                Flow complete;
                try {
                    complete = completion.apply(f);
                } catch (RuntimeException e) {
                    LOG.warn("completing a {} flow failed (passed on as it came): {}", f.type().wire(), e.toString());
                    complete = f;
                }
                deliver(complete);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deliver(Flow f) {
        seen.get(f.type()).incrementAndGet();
        synchronized (history) {
            if (settings.history() > 0) {
                ArrayDeque<Kept> ofType = kept.get(f.type());
                if (ofType.size() == settings.history()) ofType.removeFirst();
                ofType.addLast(new Kept(delivered++, f));
            }
            for (FlowSubscription r : readers) r.offer(f);
        }
    }

    /** Stops the hub's thread after the flows already queued, and closes every reader. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        // The stop marker queues behind what sources published; if the queue is full, interrupting loses only those.
        if (!ingest.offer(STOP)) thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (FlowSubscription r : readers) r.close();
    }

    /** Under the delivery lock, so no flow is offered to (and lost by) a reader after its count was taken. */
    private void retire(FlowSubscription s) {
        synchronized (history) {
            if (readers.remove(s)) retiredLosses.computeIfAbsent(s.name(), k -> new AtomicLong()).addAndGet(s.lost());
        }
    }
}
