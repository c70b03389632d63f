package dev.ward.agent.flows.sources;

import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.agent.flows.FlowHub;
import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.EndpointRecord;
import dev.ward.bpf.events.DatapathCounters;
import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.policy.model.RuleRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The thread that drains the datapath's flow event ring buffer into the {@link FlowHub}. It holds the datapath's one
 * event reader; it names each event's endpoint (read back from the endpoints map) and rules (the cookie registry)
 * itself, both without the engine, and leaves labels to the hub, so it keeps up with the kernel: what the ring buffer
 * could not hold is counted by the kernel ({@code ringbuf} losses) and what does not decode by the reader. The
 * endpoints and cookies are asked on the datapath's own thread ({@link KernelDatapath#call}: the cookie registry
 * changes there), each with a bounded wait: a flow whose answer is late goes on without it rather than holding the
 * ring buffer.
 */
public final class DatapathFlowReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatapathFlowReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long ENDPOINTS_MISS_REREAD_NANOS = 1_000_000_000L;
    /** An endpoint id freed by a removed pod is handed to a new one, as late as possible, but it is. */
    private static final long ENDPOINTS_MAX_AGE_NANOS = 10_000_000_000L;
    private static final long ASK_WAIT_MILLIS = 250;

    private final KernelDatapath datapath;
    private final String node;
    private final FlowHub hub;
    private final KernelClock clock;
    private final FlowEventReader reader;
    private final Thread thread;
    private Map<Integer, String> endpoints = Map.of();
    private long endpointsReadAt = System.nanoTime() - ENDPOINTS_MAX_AGE_NANOS;
    private volatile boolean stopping;

    private DatapathFlowReader(KernelDatapath datapath, String node, FlowHub hub, Clock wall) {
        this.datapath = datapath;
        this.node = node;
        this.hub = hub;
        this.clock = new KernelClock(wall);
        this.reader = datapath.openEventReader();
        DatapathCounters counters = datapath.counters();
        hub.countLosses("ringbuf", counters::eventsLost);
        hub.countLosses("undecodable", reader::undecodable);
        this.thread = Thread.ofPlatform().daemon().name("ward-datapath-flows").unstarted(this::run);
    }

    /** Opens the datapath's event reader and starts draining it. */
    public static DatapathFlowReader start(KernelDatapath datapath, String node, FlowHub hub, Clock wall) {
        DatapathFlowReader r = new DatapathFlowReader(datapath, node, hub, wall);
        r.thread.start();
        return r;
    }

    private void run() {
        try {
            while (!stopping) {
                for (FlowEvent e : reader.poll(POLL)) {
                    hub.publish(DatapathFlows.toFlow(e, clock.at(e.timestampNanos()), node, rules(e.cookie()), endpoint(e.endpointId())));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("reading the datapath's flow events failed; L3/L4 flows stop until the agent restarts", e);
        } finally {
            reader.close();
        }
    }

    private List<String> rules(int cookie) {
        if (cookie == 0) return List.of();
        // copied on the datapath thread: the registry changes there
        List<List<RuleRef>> sets = ask(dp -> List.copyOf(dp.cookies().rulesOf(cookie)), "the rules of cookie " + cookie);
        if (sets == null) return List.of();
        TreeSet<String> out = new TreeSet<>();
        for (List<RuleRef> refs : sets) for (RuleRef r : refs) out.add(r.toString());
        return List.copyOf(out);
    }

    /** {@code work} on the datapath's thread, or null when it does not answer within {@link #ASK_WAIT_MILLIS}. */
    private <T> T ask(java.util.function.Function<Datapath, T> work, String what) {
        try {
            return datapath.call(work).get(ASK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.debug("flow events go on without {}: {}", what, e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The endpoints map as read back from the kernel (which any thread may do), read again when it is older than
     * {@link #ENDPOINTS_MAX_AGE_NANOS} or an id is not in it (at most once a second).
     */
    private String endpoint(int id) {
        if (id == 0) return null;
        long now = System.nanoTime();
        if (now - endpointsReadAt >= ENDPOINTS_MAX_AGE_NANOS) readEndpoints(now);
        String name = endpoints.get(id);
        if (name != null || now - endpointsReadAt < ENDPOINTS_MISS_REREAD_NANOS) return name;
        readEndpoints(now);
        return endpoints.get(id);
    }

    private void readEndpoints(long now) {
        endpointsReadAt = now;
        List<EndpointRecord> records = ask(Datapath::endpoints, "the endpoints map");
        if (records == null) return;
        Map<Integer, String> m = new HashMap<>();
        for (EndpointRecord r : records) m.put(r.endpointId(), r.name());
        endpoints = m;
    }

    /** Stops the thread; the reader is closed by it, after its last poll. */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(POLL.toMillis() * 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
