package dev.ward.l7proxy.testing;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.parser.ParserRegistry;
import dev.ward.l7proxy.policy.RedirectLookup;
import dev.ward.l7proxy.proxy.L7Proxy;
import dev.ward.policy.model.Direction;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** The proxy running in a lab's node namespace, with every pod connection redirected to it, recording its events. */
public final class ProxyInLab implements AutoCloseable {
    public final L7Proxy proxy;
    public final PrometheusRegistry registry = new PrometheusRegistry();
    private final ConcurrentLinkedQueue<L7AccessEvent> events = new ConcurrentLinkedQueue<>();
    /** Events seen when not recording them (a benchmark's millions would fill the heap). */
    public final java.util.concurrent.atomic.LongAdder counted = new java.util.concurrent.atomic.LongAdder();

    private ProxyInLab(TransparentLab lab, RedirectLookup lookup, ParserRegistry parsers, Direction direction,
                       int threads, boolean record, UnaryOperator<L7Proxy.Builder> tuning) throws InterruptedException {
        proxy = tuning.apply(L7Proxy.builder()
                .listen(direction, new InetSocketAddress("0.0.0.0", 0))
                .lookup(lookup)
                .parsers(parsers)
                .accessListener(record ? events::add : e -> counted.increment())
                .metrics(registry)
                .threads(threads)
                .threadFactory(lab.nodeThreads())
                .upstreamMark(identity -> TransparentLab.UPSTREAM_MARK))
                .start();
        this.lab = lab;
        this.port = proxy.address(direction).getPort();
    }

    private final TransparentLab lab;
    private final int port;

    /** Sends every pod connection to this proxy (done by {@link #start}; again after a direct baseline). */
    public ProxyInLab redirect() {
        lab.redirectPodsTo(port);
        return this;
    }

    public static ProxyInLab start(TransparentLab lab, RedirectLookup lookup, Direction direction) throws InterruptedException {
        return new ProxyInLab(lab, lookup, ParserRegistry.load(), direction, 2, true, b -> b).redirect();
    }

    /** A proxy with more settings of the builder's, e.g. its timeouts. */
    public static ProxyInLab start(TransparentLab lab, RedirectLookup lookup, Direction direction,
                                   UnaryOperator<L7Proxy.Builder> tuning) throws InterruptedException {
        return new ProxyInLab(lab, lookup, ParserRegistry.load(), direction, 2, true, tuning).redirect();
    }

    public static ProxyInLab start(TransparentLab lab, RedirectLookup lookup, ParserRegistry parsers, Direction direction,
                                   int threads) throws InterruptedException {
        return new ProxyInLab(lab, lookup, parsers, direction, threads, true, b -> b).redirect();
    }

    /** A proxy that counts its access events instead of keeping them. */
    public static ProxyInLab startCounting(TransparentLab lab, RedirectLookup lookup, Direction direction, int threads)
            throws InterruptedException {
        return new ProxyInLab(lab, lookup, ParserRegistry.load(), direction, threads, false, b -> b).redirect();
    }

    public List<L7AccessEvent> events() {
        return List.copyOf(events);
    }

    /** Waits up to 10 s for an event matching {@code p} (events are emitted on the proxy's threads). */
    public L7AccessEvent awaitEvent(Predicate<L7AccessEvent> p, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (L7AccessEvent e : events) if (p.test(e)) return e;
            Thread.sleep(20);
        }
        throw new AssertionError("no access event " + what + " among " + events());
    }

    public String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    public void clearEvents() {
        events.clear();
    }

    @Override
    public void close() {
        proxy.close();
    }
}
