package dev.ward.l7proxy.parsers.cassandra;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.proxy.ParserHarness;
import dev.ward.l7proxy.proxy.ParserHarness.Result;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static dev.ward.l7proxy.parsers.cassandra.CqlFrames.concat;
import static dev.ward.l7proxy.proxy.ParserHarness.reply;
import static dev.ward.l7proxy.proxy.ParserHarness.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CQL parser against the seed's Empire policy, as written, with every input split at every byte. */
class CassandraParserTest {
    static final String OUTPOST = "10.1.0.1";
    static final String CASS = "10.1.0.9";
    static final EngineRedirectLookup LOOKUP = lookup();

    static EngineRedirectLookup lookup() {
        EngineRedirectLookup l = EngineRedirectLookup.withPolicies(SeedPolicies.cassandra());
        l.pod(OUTPOST, "app=empire-outpost", false);
        l.pod(CASS, "app=cass-server", true);
        return l;
    }

    static ParserHarness harness() {
        return new ParserHarness(new CassandraParserFactory(), LOOKUP, Direction.INGRESS, OUTPOST, CASS, 9042);
    }

    static int errorCode(byte[] client, int at) {
        assertEquals(0x00, client[at + 4], "an ERROR envelope");
        return ByteBuffer.wrap(client, at + 9, 4).getInt();
    }

    @Test
    void v4QueriesAreDecidedByActionAndTableAndDeniedOnesAnsweredUnauthorized() {
        byte[] local = CqlFrames.query(4, 1, "SELECT * FROM system.local");
        byte[] insert = CqlFrames.query(4, 2, "INSERT INTO attendance.daily_records (a) VALUES ('x')");
        byte[] read = CqlFrames.query(4, 3, "select * from Attendance.daily_records");
        byte[] hidden = CqlFrames.query(4, 4, "/* SELECT * FROM system.local */ DROP TABLE attendance.daily_records");
        byte[] two = CqlFrames.query(4, 5, "SELECT * FROM system.local; DROP TABLE x");
        Result r = harness().assertSplitInvariant(List.of(request(concat(local, insert, read, hidden, two))));
        assertArrayEquals(concat(local, insert), r.toServerBytes());
        byte[] c = r.toClient();
        int at = 0;
        for (int stream : new int[] {3, 4, 5}) {
            assertEquals(stream, ByteBuffer.wrap(c, at + 2, 2).getShort());
            assertEquals(CassandraParser.UNAUTHORIZED, errorCode(c, at));
            at += 9 + ByteBuffer.wrap(c, at + 5, 4).getInt();
        }
        assertEquals(c.length, at);
        assertFalse(r.failed(), r.failure());
    }

    @Test
    void preparedStatementsAreDecidedWhenPreparedAndKnownByIdWhenExecuted() {
        byte[] id = {1, 2, 3, 4};
        byte[] prep = CqlFrames.prepare(4, 1, "INSERT INTO attendance.daily_records (a) VALUES (?)");
        byte[] exec = CqlFrames.execute(4, 2, id);
        byte[] unknown = CqlFrames.execute(4, 3, new byte[] {9, 9});
        Result r = harness().assertSplitInvariant(List.of(request(prep), reply(CqlFrames.prepared(4, 1, id)),
                request(concat(exec, unknown))));
        assertArrayEquals(concat(prep, exec), r.toServerBytes());
        byte[] c = r.toClient();
        int at = CqlFrames.prepared(4, 1, id).length;
        assertEquals(CassandraParser.UNPREPARED, errorCode(c, at), "an unknown id makes the driver prepare again");
    }

    /** The seed's policy and one that lets the outposts USE keyspaces. */
    static EngineRedirectLookup lookupAllowingUse() {
        EngineRedirectLookup withUse = lookup();
        withUse.apply("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: outposts-use-keyspaces
                spec:
                  endpointSelector:
                    matchLabels:
                      app: cass-server
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        app: empire-outpost
                    toPorts:
                    - ports:
                      - port: "9042"
                        protocol: TCP
                      rules:
                        l7proto: cassandra
                        l7:
                        - query_action: use
                """);
        return withUse;
    }

    @Test
    void theSessionKeyspaceComesFromTheServersResultAndNothingPassesWhileAUseIsInFlight() {
        byte[] use = CqlFrames.query(4, 1, "USE attendance");
        byte[] insert = CqlFrames.query(4, 2, "INSERT INTO daily_records (a) VALUES ('x')");
        ParserHarness h = new ParserHarness(new CassandraParserFactory(), lookupAllowingUse(), Direction.INGRESS, OUTPOST, CASS, 9042);
        byte[] denied = CqlFrames.query(4, 3, "INSERT INTO secrets (a) VALUES ('x')");
        Result r = h.assertSplitInvariant(List.of(request(concat(use, insert, denied)), reply(CqlFrames.setKeyspace(4, 1, "attendance"))));
        assertArrayEquals(concat(use, insert), r.toServerBytes(), "the inserts waited for the USE; then daily_records passed as attendance.daily_records");
        byte[] c = r.toClient();
        assertEquals(CassandraParser.UNAUTHORIZED, errorCode(c, CqlFrames.setKeyspace(4, 1, "attendance").length),
                "attendance.secrets is not attendance.daily_records");
    }

    @Test
    void v5SegmentsArePassedWholeOrRebuiltWithTheAllowedEnvelopesOnly() {
        byte[] startup = CqlFrames.envelope(5, 0, 0x01, new byte[] {0, 1, 0, 11, 'C', 'Q', 'L', '_', 'V', 'E', 'R', 'S', 'I', 'O', 'N', 0, 5, '3', '.', '0', '.', '0'});
        byte[] ready = CqlFrames.reply(5, 0, 0x02, new byte[0]);
        byte[] allowed = CqlFrames.query(5, 1, "SELECT * FROM system_schema.tables");
        byte[] denied = CqlFrames.query(5, 2, "SELECT * FROM attendance.daily_records");
        byte[] both = CqlSegments.selfContained(concat(allowed, denied));
        byte[] good = CqlSegments.selfContained(allowed);
        Result r = harness().assertSplitInvariant(List.of(request(startup), reply(ready), request(concat(good, both))));
        assertArrayEquals(concat(startup, good, CqlSegments.selfContained(allowed)), r.toServerBytes());
        byte[] c = r.toClient();
        byte[] answer = Arrays.copyOfRange(c, ready.length, c.length);
        CqlSegments.Header h = CqlSegments.header(ByteBuffer.wrap(answer), 0);
        assertEquals(true, h.crcOk() && h.selfContained());
        assertEquals(CassandraParser.UNAUTHORIZED, errorCode(answer, CqlSegments.HEADER));
        assertFalse(r.failed(), r.failure());
    }

    /**
     * The driver packs what it writes at once into one v5 segment: a USE and the statements after it. Those wait
     * for the USE's result (they may name tables of its keyspace), while the USE itself goes on.
     */
    @Test
    void aUseAndTheStatementsAfterItInOneSegmentGoOnInTurn() {
        byte[] startup = CqlFrames.envelope(5, 0, 0x01, new byte[] {0, 0});
        byte[] ready = CqlFrames.reply(5, 0, 0x02, new byte[0]);
        byte[] use = CqlFrames.query(5, 1, "USE attendance");
        byte[] insert = CqlFrames.query(5, 2, "INSERT INTO daily_records (a) VALUES ('x')");
        byte[] denied = CqlFrames.query(5, 3, "INSERT INTO secrets (a) VALUES ('x')");
        byte[] setKeyspace = CqlSegments.selfContained(CqlFrames.setKeyspace(5, 1, "attendance"));
        ParserHarness h = new ParserHarness(new CassandraParserFactory(), lookupAllowingUse(), Direction.INGRESS, OUTPOST, CASS, 9042);
        Result r = h.assertSplitInvariant(List.of(request(startup), reply(ready),
                request(CqlSegments.selfContained(concat(use, insert, denied))), reply(setKeyspace)));
        assertArrayEquals(concat(startup, CqlSegments.selfContained(use), CqlSegments.selfContained(insert)), r.toServerBytes(),
                "the USE went on alone, the insert after its result, as attendance.daily_records");
        byte[] c = r.toClient();
        assertArrayEquals(concat(ready, setKeyspace), Arrays.copyOfRange(c, 0, ready.length + setKeyspace.length));
        byte[] answer = Arrays.copyOfRange(c, ready.length + setKeyspace.length, c.length);
        assertEquals(3, ByteBuffer.wrap(answer, CqlSegments.HEADER + 2, 2).getShort());
        assertEquals(CassandraParser.UNAUTHORIZED, errorCode(answer, CqlSegments.HEADER), "attendance.secrets is denied");
        assertEquals(List.of("forwarded use attendance", "forwarded insert attendance.daily_records", "denied insert attendance.secrets"),
                r.rawEvents().stream().filter(e -> e.type() == L7AccessEvent.Type.REQUEST)
                        .map(e -> e.outcome().name().toLowerCase() + " " + e.fields().get("query_action")
                                + (e.fields().get("query_table").isEmpty() ? "" : " " + e.fields().get("query_table"))).toList(),
                "each statement decided once");
        assertFalse(r.failed(), r.failure());
    }

    /** A segment full of small denied statements gets answers longer than one segment holds: several segments. */
    @Test
    void answersLongerThanASegmentGoInSeveral() {
        byte[] startup = CqlFrames.envelope(5, 0, 0x01, new byte[] {0, 0});
        byte[] ready = CqlFrames.reply(5, 0, 0x02, new byte[0]);
        byte[] many = new byte[0];
        int n = 0;
        while (many.length < CqlSegments.MAX_PAYLOAD - 100) {
            many = concat(many, CqlFrames.query(5, ++n, "DROP TABLE x"));
        }
        Result r = harness().run(List.of(request(startup), reply(ready), request(CqlSegments.selfContained(many))));
        assertFalse(r.failed(), r.failure());
        assertArrayEquals(startup, r.toServerBytes());
        ByteBuffer c = ByteBuffer.wrap(r.toClient());
        c.position(ready.length);
        int answers = 0, segments = 0;
        while (c.hasRemaining()) {
            CqlSegments.Header sh = CqlSegments.header(c, c.position());
            assertTrue(sh.crcOk() && sh.selfContained());
            assertTrue(CqlSegments.payloadCrcOk(c, c.position(), sh));
            for (int at = c.position() + CqlSegments.HEADER; at < c.position() + CqlSegments.HEADER + sh.payloadLength();
                 at += 9 + c.getInt(at + 5)) {
                assertEquals(CassandraParser.UNAUTHORIZED, c.getInt(at + 9));
                answers++;
            }
            c.position(c.position() + sh.segmentLength());
            segments++;
        }
        assertEquals(n, answers, "every DROP answered");
        assertTrue(segments > 1, segments + " segments");
    }

    @Test
    void anEnvelopeLargerThanASegmentIsGatheredAndDecidedWhole() {
        byte[] startup = CqlFrames.envelope(5, 0, 0x01, new byte[] {0, 0});
        byte[] ready = CqlFrames.reply(5, 0, 0x02, new byte[0]);
        String big = "INSERT INTO attendance.daily_records (a) VALUES ('" + "x".repeat(200_000) + "')";
        byte[] env = CqlFrames.query(5, 1, big);
        byte[] seg1 = spanning(Arrays.copyOfRange(env, 0, CqlSegments.MAX_PAYLOAD));
        byte[] seg2 = spanning(Arrays.copyOfRange(env, CqlSegments.MAX_PAYLOAD, env.length));
        Result r = harness().run(List.of(request(startup), reply(ready), request(concat(seg1, seg2))));
        assertArrayEquals(concat(startup, seg1, seg2), r.toServerBytes());
        assertFalse(r.failed(), r.failure());
    }

    /** A segment that is not self-contained (a part of a large envelope), with valid CRCs. */
    static byte[] spanning(byte[] payload) {
        byte[] s = CqlSegments.selfContained(payload);
        long h3 = payload.length;
        int crc = CqlSegments.crc24(h3, 3);
        s[0] = (byte) h3;
        s[1] = (byte) (h3 >> 8);
        s[2] = (byte) (h3 >> 16);
        s[3] = (byte) crc;
        s[4] = (byte) (crc >> 8);
        s[5] = (byte) (crc >> 16);
        return s;
    }

    /**
     * The DataStax driver 4.19 opens with DSE_V2 (0x42), then DSE_V1 (0x41), then v5. Cassandra 5.0.6 answers
     * 0x42 with 85 00 0000 00, then Protocol_error "Invalid or unsupported protocol version (66); supported versions
     * are (3/v3, 4/v4, 5/v5, 6/v6-beta)" whatever the request's stream, v1 in v1's 8-byte header, and v0 like 0x42
     * (all captured from a real 5.0.6); the proxy answers the same with the versions it reads.
     */
    @Test
    void anUnsupportedFirstVersionIsAnsweredLikeCassandraAndTheSameConnectionCanStepDown() {
        byte[] dseV2 = CqlFrames.envelope(0x42, 3, 0x05, new byte[] {1, 2, 3, 4, 5});
        byte[] v1 = HexFormat.of().parseHex("0100000500000000");
        byte[] v0 = CqlFrames.envelope(0, 7, 0x05, new byte[] {9, 9});
        byte[] options = CqlFrames.envelope(5, 0, 0x05, new byte[0]);
        byte[] supported = CqlFrames.reply(5, 0, 0x06, new byte[] {0, 0});
        Result r = harness().assertSplitInvariant(List.of(request(concat(dseV2, v1, v0, options)), reply(supported)));
        assertArrayEquals(options, r.toServerBytes(), "the server saw neither offer, only the v5 OPTIONS");
        byte[] to66 = concat(HexFormat.of().parseHex("85000000000000005d0000000a0057"),
                "Invalid or unsupported protocol version (66); supported versions are (3/v3, 4/v4, 5/v5)".getBytes(StandardCharsets.UTF_8));
        byte[] to1 = concat(HexFormat.of().parseHex("810000000000005c0000000a0056"),
                "Invalid or unsupported protocol version (1); supported versions are (3/v3, 4/v4, 5/v5)".getBytes(StandardCharsets.UTF_8));
        byte[] to0 = concat(HexFormat.of().parseHex("85000000000000005c0000000a0056"),
                "Invalid or unsupported protocol version (0); supported versions are (3/v3, 4/v4, 5/v5)".getBytes(StandardCharsets.UTF_8));
        assertEquals(HexFormat.of().formatHex(concat(to66, to1, to0, supported)), HexFormat.of().formatHex(r.toClient()));
        assertEquals(List.of("REPLY FORWARDED {error=Protocol_error, protocol_version=66}",
                "REPLY FORWARDED {error=Protocol_error, protocol_version=1}",
                "REPLY FORWARDED {error=Protocol_error, protocol_version=0}"), r.events());
        assertFalse(r.failed(), r.failure());
    }

    @Test
    void onceAVersionIsSpokenAnyOtherVersionClosesTheConnectionUnforwarded() {
        byte[] options = CqlFrames.envelope(4, 0, 0x05, new byte[0]);
        for (byte[] late : List.of(CqlFrames.envelope(0x42, 1, 0x05, new byte[0]), CqlFrames.query(5, 1, "SELECT * FROM system.local"),
                CqlFrames.envelope(0x84, 1, 0x05, new byte[0]))) {
            Result r = harness().assertSplitInvariant(List.of(request(concat(options, late))));
            assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
            assertArrayEquals(options, r.toServerBytes());
            assertEquals(0, r.toClient().length, "no answer: the connection is closed");
        }
    }

    @Test
    void aClientThatNeverStepsDownOrLiesAboutItsLengthIsRefused() {
        byte[] offer = CqlFrames.envelope(0x42, 0, 0x05, new byte[0]);
        byte[] offers = new byte[0];
        for (int i = 0; i <= CassandraParser.MAX_VERSION_ANSWERS; i++) offers = concat(offers, offer);
        Result r = harness().run(List.of(request(offers)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        assertEquals(CassandraParser.MAX_VERSION_ANSWERS, r.rawEvents().stream().filter(e -> e.type() == L7AccessEvent.Type.REPLY).count(),
                "each offer before the limit was answered");
        assertEquals(CassandraParser.MAX_VERSION_ANSWERS * CassandraParser.unsupportedVersion(0x42).length, r.toClient().length);
        assertEquals(0, r.toServerBytes().length);
        byte[] huge = CqlFrames.envelope(0x42, 0, 0x05, new byte[0]);
        ByteBuffer.wrap(huge).putInt(5, 0x7fffffff);
        r = harness().run(List.of(request(huge)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        assertEquals(0, r.toClient().length + r.toServerBytes().length);
    }

    @Test
    void badLengthsAndCorruptSegmentsAreRefused() {
        byte[] negative = CqlFrames.query(4, 1, "SELECT * FROM system.local");
        ByteBuffer.wrap(negative).putInt(5, -1);
        assertEquals(ErrorKind.MALFORMED, harness().run(List.of(request(negative))).failureKind());
        byte[] huge = CqlFrames.query(4, 1, "SELECT * FROM system.local");
        ByteBuffer.wrap(huge).putInt(5, 0x7fffffff);
        Result r = harness().run(List.of(request(huge)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        byte[] lying = CqlFrames.query(4, 1, "SELECT * FROM system.local");
        ByteBuffer.wrap(lying).putInt(9, 1000);
        r = harness().assertSplitInvariant(List.of(request(lying)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        assertEquals(0, r.toServerBytes().length);
        byte[] startup = CqlFrames.envelope(5, 0, 0x01, new byte[] {0, 0});
        byte[] seg = CqlSegments.selfContained(CqlFrames.query(5, 1, "SELECT * FROM system.local"));
        seg[10] ^= 1;
        r = harness().run(List.of(request(startup), reply(CqlFrames.reply(5, 0, 0x02, new byte[0])), request(seg)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        assertArrayEquals(startup, r.toServerBytes());
    }
}
