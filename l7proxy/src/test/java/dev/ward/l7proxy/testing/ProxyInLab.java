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

/** The proxy running in a lab's node namespace, with every pod connection redirected to it, recording its events. */
public final class ProxyInLab implements AutoCloseable {
    public final L7Proxy proxy;
    public final PrometheusRegistry registry = new PrometheusRegistry();
    private final ConcurrentLinkedQueue<L7AccessEvent> events = new ConcurrentLinkedQueue<>();

    private ProxyInLab(TransparentLab lab, RedirectLookup lookup, ParserRegistry parsers, Direction direction,
                       int threads) throws InterruptedException {
        proxy = L7Proxy.builder()
                .listen(direction, new InetSocketAddress("0.0.0.0", 0))
                .lookup(lookup)
                .parsers(parsers)
                .accessListener(events::add)
                .metrics(registry)
                .threads(threads)
                .threadFactory(lab.nodeThreads())
                .upstreamMark(identity -> TransparentLab.UPSTREAM_MARK)
                .start();
        lab.redirectPodsTo(proxy.address(direction).getPort());
    }

    public static ProxyInLab start(TransparentLab lab, RedirectLookup lookup, Direction direction) throws InterruptedException {
        return new ProxyInLab(lab, lookup, ParserRegistry.load(), direction, 2);
    }

    public static ProxyInLab start(TransparentLab lab, RedirectLookup lookup, ParserRegistry parsers, Direction direction,
                                   int threads) throws InterruptedException {
        return new ProxyInLab(lab, lookup, parsers, direction, threads);
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
