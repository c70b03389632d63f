package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.Decision;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parser.Side;
import dev.ward.l7proxy.policy.RedirectLookup;
import dev.ward.l7proxy.policy.RedirectedConnection;
import dev.ward.l7proxy.policy.RequestPolicy;
import dev.ward.policy.l7.L7Request;
import dev.ward.policy.model.Direction;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Feeds a parser random and mutated request streams in random pieces, and checks what reached the server: the
 * parser never fails (throws, loops, asks for the impossible), and the forwarded bytes read back, by a fresh
 * parser that admits everything, as a sequence of requests every one of which the policy allows. So nothing the
 * parser did not read as an allowed request is ever passed.
 */
public final class ParserFuzzer {
    private final L7ParserFactory factory;
    private final RedirectLookup lookup;
    private final RedirectedConnection connection;
    private java.util.function.Predicate<L7Request> exempt = r -> false;
    private L7ParserFactory oracle;

    /** The parser that reads forwarded bytes back (by default a fresh one of the parser under test). */
    public ParserFuzzer oracle(L7ParserFactory oracle) {
        this.oracle = oracle;
        return this;
    }

    /** Requests the check leaves out: those the parser forwards knowing it will filter their reply. */
    public ParserFuzzer exempt(java.util.function.Predicate<L7Request> exempt) {
        this.exempt = exempt;
        return this;
    }

    public ParserFuzzer(L7ParserFactory factory, RedirectLookup lookup, Direction direction, String clientIp,
                        String serverIp, int port) {
        this.factory = factory;
        this.oracle = factory;
        this.lookup = lookup;
        InetSocketAddress client = new InetSocketAddress(clientIp, 40000);
        InetSocketAddress server = new InetSocketAddress(serverIp, port);
        this.connection = new RedirectedConnection(1, direction, client, server, lookup.identity(client.getAddress()),
                lookup.identity(server.getAddress()));
    }

    /** Runs {@code iterations} cases built from {@code seeds}; returns how many forwarded at least one byte. */
    public int run(List<byte[]> seeds, int iterations, long seed) {
        Random rnd = new Random(seed);
        int forwardedSome = 0;
        for (int i = 0; i < iterations; i++) {
            byte[] input = mutate(seeds, rnd);
            List<L7Request> allowed = new ArrayList<>();
            byte[] forwarded = feed(input, rnd, i, allowed);
            if (forwarded.length > 0) forwardedSome++;
            checkForwarded(forwarded, input, i, allowed);
        }
        return forwardedSome;
    }

    private byte[] mutate(List<byte[]> seeds, Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int parts = 1 + rnd.nextInt(4);
        for (int k = 0; k < parts; k++) out.writeBytes(seeds.get(rnd.nextInt(seeds.size())));
        byte[] b = out.toByteArray();
        int kind = rnd.nextInt(6);
        switch (kind) {
            case 0 -> {
                return b; // a valid stream: must pass what the policy allows
            }
            case 1 -> {
                for (int n = 1 + rnd.nextInt(4); n > 0 && b.length > 0; n--) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            case 2 -> {
                for (int n = 1 + rnd.nextInt(4); n > 0 && b.length > 0; n--) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            case 3 -> {
                if (b.length > 1) b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            case 4 -> {
                int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
                byte[] junk = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(junk);
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(b, 0, at);
                o.writeBytes(junk);
                o.write(b, at, b.length - at);
                b = o.toByteArray();
            }
            default -> {
                b = new byte[rnd.nextInt(512)];
                rnd.nextBytes(b);
            }
        }
        return b;
    }

    /** Runs the real driver over {@code input} in random pieces; returns the bytes forwarded to the server. */
    private byte[] feed(byte[] input, Random rnd, int iteration, List<L7Request> allowed) {
        ConnectionLogStub log = new ConnectionLogStub(new RequestPolicy(lookup, connection, factory.name()), allowed);
        ByteArrayOutputStream toServer = new ByteArrayOutputStream();
        ErrorKind[] failure = new ErrorKind[1];
        String[] reason = new String[1];
        ParserDriver driver = new ParserDriver(factory.create(log), factory.maxBufferedBytes(), new ParserDriver.Output() {
            @Override
            public void forward(Side side, ByteBuf bytes) {
                if (side == Side.REQUEST) {
                    byte[] b = new byte[bytes.readableBytes()];
                    bytes.readBytes(b);
                    toServer.writeBytes(b);
                }
                bytes.release();
            }

            @Override
            public void inject(Side side, ByteBuf bytes) {
                bytes.release();
            }

            @Override
            public void stall(Side side, boolean stalled) {}

            @Override
            public void finished(Side side) {}

            @Override
            public void fail(ErrorKind kind, String why) {
                failure[0] = kind;
                reason[0] = why;
            }
        });
        int at = 0;
        while (at < input.length && failure[0] == null) {
            int n = Math.min(input.length - at, 1 + rnd.nextInt(Math.max(1, Math.min(input.length, 300))));
            ByteBuf b = Unpooled.buffer(n);
            b.writeBytes(input, at, n);
            driver.received(Side.REQUEST, b);
            at += n;
        }
        if (failure[0] == null) driver.ended(Side.REQUEST);
        driver.close();
        if (failure[0] == ErrorKind.PARSER_FAILURE) {
            fail("case " + iteration + ": the parser failed instead of refusing: " + reason[0] + " on " + hex(input));
        }
        return toServer.toByteArray();
    }

    /** Reads the forwarded bytes back with a parser that admits everything, and checks each request. */
    private void checkForwarded(byte[] forwarded, byte[] input, int iteration, List<L7Request> allowed) {
        if (forwarded.length == 0) return;
        List<L7Request> seen = new ArrayList<>();
        ParserContext admitAll = new ParserContext() {
            @Override
            public Decision decide(L7Request request) {
                seen.add(request);
                return Decision.allow(null, null);
            }

            @Override
            public void reply(L7Request request, boolean denied, Map<String, String> fields) {}
        };
        L7Parser reader = oracle.create(admitAll);
        ErrorKind[] failure = new ErrorKind[1];
        String[] reason = new String[1];
        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        ParserDriver d = new ParserDriver(reader, factory.maxBufferedBytes(), new ParserDriver.Output() {
            @Override
            public void forward(Side side, ByteBuf bytes) {
                byte[] b = new byte[bytes.readableBytes()];
                bytes.readBytes(b);
                passed.writeBytes(b);
                bytes.release();
            }

            @Override
            public void inject(Side side, ByteBuf bytes) {
                bytes.release();
            }

            @Override
            public void stall(Side side, boolean stalled) {}

            @Override
            public void finished(Side side) {}

            @Override
            public void fail(ErrorKind kind, String why) {
                failure[0] = kind;
                reason[0] = why;
            }
        });
        ByteBuf b = Unpooled.buffer(forwarded.length);
        b.writeBytes(forwarded);
        d.received(Side.REQUEST, b);
        d.close();
        assertNotEquals(ErrorKind.MALFORMED, failure[0], () -> "case " + iteration + ": forwarded bytes that do not parse ("
                + reason[0] + "): " + hex(forwarded) + " from " + hex(input));
        assertEquals(forwarded.length, passed.size() + d.bufferedTotal(), "case " + iteration + ": every forwarded byte read back");
        RequestPolicy policy = new RequestPolicy(lookup, connection, factory.name());
        List<L7Request> readBack = seen.stream().filter(r -> !exempt.test(r)).toList();
        List<L7Request> decided = allowed.stream().filter(r -> !exempt.test(r)).toList();
        // In order, each one decided and allowed (a multi-key command may have allowed keys and still be denied).
        assertTrue(isSubsequence(readBack, decided),
                () -> "case " + iteration + ": the server got requests " + readBack + " but the parser allowed " + decided
                        + " from " + hex(input));
        for (L7Request r : seen) {
            if (exempt.test(r)) continue;
            assertTrue(policy.decide(r).allowed(), () -> "case " + iteration + ": forwarded a request the policy denies: " + r
                    + " from " + hex(input));
        }
    }

    private static boolean isSubsequence(List<L7Request> part, List<L7Request> whole) {
        int j = 0;
        for (L7Request r : part) {
            while (j < whole.size() && !whole.get(j).equals(r)) j++;
            if (j == whole.size()) return false;
            j++;
        }
        return true;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 200); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb + (b.length > 200 ? "... (" + b.length + " bytes)" : "");
    }

    /** The real context's decisions, without events: the fuzz runs millions of requests. */
    private static final class ConnectionLogStub implements ParserContext {
        private final RequestPolicy policy;
        private final List<L7Request> allowed;

        ConnectionLogStub(RequestPolicy policy, List<L7Request> allowed) {
            this.policy = policy;
            this.allowed = allowed;
        }

        @Override
        public Decision decide(L7Request request) {
            Decision d = policy.decide(request);
            if (d.allowed()) allowed.add(request);
            return d;
        }

        @Override
        public void reply(L7Request request, boolean denied, Map<String, String> fields) {}
    }
}
