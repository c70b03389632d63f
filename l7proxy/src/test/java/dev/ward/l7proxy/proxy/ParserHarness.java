package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7ProxyMetrics;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.Side;
import dev.ward.l7proxy.policy.RedirectLookup;
import dev.ward.l7proxy.policy.RedirectedConnection;
import dev.ward.l7proxy.policy.RequestPolicy;
import dev.ward.policy.model.Direction;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs a parser through the real {@link ParserDriver} and {@link ConnectionLog} over scripted bytes, without
 * sockets, recording what reaches the server and the client, the access events and any failure. Like netty's
 * codec tests, {@link #assertSplitInvariant} feeds the same script whole, split at every byte of every step, and
 * one byte at a time, and requires the same result each way.
 */
public final class ParserHarness {

    public record Step(Side side, byte[] data, boolean end) {
        @Override
        public String toString() {
            return side.lower() + (end ? " end" : " " + data.length + " bytes");
        }
    }

    public static Step request(String text) {
        return new Step(Side.REQUEST, text.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    public static Step reply(String text) {
        return new Step(Side.REPLY, text.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    public static Step request(byte[] data) {
        return new Step(Side.REQUEST, data, false);
    }

    public static Step reply(byte[] data) {
        return new Step(Side.REPLY, data, false);
    }

    public static Step end(Side side) {
        return new Step(side, new byte[0], true);
    }

    /** What a run produced: the bytes each end received, in order, the events, and the failure if any. */
    public record Result(byte[] toServer, byte[] toClient, List<String> events, String failure, ErrorKind failureKind,
                         List<L7AccessEvent> rawEvents) {
        public String toServerText() {
            return new String(toServer, StandardCharsets.ISO_8859_1);
        }

        public String toClientText() {
            return new String(toClient, StandardCharsets.ISO_8859_1);
        }

        public byte[] toServerBytes() {
            return toServer;
        }

        public byte[] toClient() {
            return toClient;
        }

        public boolean failed() {
            return failure != null;
        }

        void assertSameAs(Result o, String how) {
            assertEquals(toServerText(), o.toServerText(), how + ": bytes to the server");
            assertEquals(toClientText(), o.toClientText(), how + ": bytes to the client");
            assertEquals(events, o.events, how + ": access events");
            assertEquals(failureKind, o.failureKind, how + ": failure (" + failure + " / " + o.failure + ")");
        }
    }

    private final L7ParserFactory factory;
    private final RedirectLookup lookup;
    private final RedirectedConnection connection;
    private final int maxBuffered;

    public ParserHarness(L7ParserFactory factory, RedirectLookup lookup, Direction direction, String clientIp,
                         String serverIp, int port) {
        this(factory, lookup, direction, clientIp, serverIp, port, factory.maxBufferedBytes());
    }

    public ParserHarness(L7ParserFactory factory, RedirectLookup lookup, Direction direction, String clientIp,
                         String serverIp, int port, int maxBuffered) {
        this.factory = factory;
        this.lookup = lookup;
        InetSocketAddress client = new InetSocketAddress(clientIp, 40000);
        InetSocketAddress server = new InetSocketAddress(serverIp, port);
        this.connection = new RedirectedConnection(1, direction, client, server, lookup.identity(client.getAddress()),
                lookup.identity(server.getAddress()));
        this.maxBuffered = maxBuffered;
    }

    public Result run(List<Step> steps) {
        return run(steps, -1, -1, false);
    }

    /** Runs whole, then split at every byte of every step, then byte by byte; all must agree. Returns the first. */
    public Result assertSplitInvariant(List<Step> steps) {
        Result whole = run(steps);
        for (int k = 0; k < steps.size(); k++) {
            for (int at = 1; at < steps.get(k).data().length; at++) {
                whole.assertSameAs(run(steps, k, at, false), "step " + k + " (" + steps.get(k) + ") split at " + at);
            }
        }
        whole.assertSameAs(run(steps, -1, -1, true), "one byte at a time");
        return whole;
    }

    private Result run(List<Step> steps, int splitStep, int splitAt, boolean bytewise) {
        List<L7AccessEvent> events = new ArrayList<>();
        ConnectionLog log = new ConnectionLog(connection, factory.name(),
                new RequestPolicy(lookup, connection, factory.name()), events::add,
                new L7ProxyMetrics(new PrometheusRegistry()), Clock.systemUTC());
        Recorder rec = new Recorder(log);
        ParserDriver driver = new ParserDriver(factory.create(log), maxBuffered, rec);
        for (int k = 0; k < steps.size() && !driver.failed(); k++) {
            Step s = steps.get(k);
            if (s.end()) {
                driver.ended(s.side());
                continue;
            }
            List<byte[]> pieces = new ArrayList<>();
            if (bytewise) {
                for (byte b : s.data()) pieces.add(new byte[] {b});
            } else if (k == splitStep) {
                pieces.add(Arrays.copyOfRange(s.data(), 0, splitAt));
                pieces.add(Arrays.copyOfRange(s.data(), splitAt, s.data().length));
            } else {
                pieces.add(s.data());
            }
            for (byte[] p : pieces) {
                if (driver.failed()) break;
                ByteBuf b = Unpooled.buffer(p.length);
                b.writeBytes(p);
                driver.received(s.side(), b);
            }
        }
        driver.close();
        List<String> described = events.stream()
                .map(e -> e.type() + " " + e.outcome() + " " + new java.util.TreeMap<>(e.fields())
                        + (e.rule() == null ? "" : " " + e.rule())
                        + (e.type() == L7AccessEvent.Type.ERROR ? "" : ""))
                .toList();
        return new Result(rec.toServer.toByteArray(), rec.toClient.toByteArray(), described, rec.failure, rec.failureKind,
                events);
    }

    private static final class Recorder implements ParserDriver.Output {
        final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
        final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
        final ConnectionLog log;
        String failure;
        ErrorKind failureKind;

        Recorder(ConnectionLog log) {
            this.log = log;
        }

        private void write(Side side, ByteBuf b) {
            ByteArrayOutputStream to = side == Side.REQUEST ? toServer : toClient;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            to.writeBytes(bytes);
        }

        @Override
        public void forward(Side side, ByteBuf bytes) {
            write(side, bytes);
        }

        @Override
        public void inject(Side side, ByteBuf bytes) {
            write(side, bytes);
        }

        @Override
        public void stall(Side side, boolean stalled) {}

        @Override
        public void finished(Side side) {}

        @Override
        public void fail(ErrorKind kind, String reason) {
            log.error(kind, reason);
            failure = kind + ": " + reason;
            failureKind = kind;
        }
    }
}
