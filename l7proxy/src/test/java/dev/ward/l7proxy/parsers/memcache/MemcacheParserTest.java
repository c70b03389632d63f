package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.proxy.ParserHarness;
import dev.ward.l7proxy.proxy.ParserHarness.Result;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.ward.l7proxy.proxy.ParserHarness.reply;
import static dev.ward.l7proxy.proxy.ParserHarness.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memcached parser against the seed's Rebel policy, as written. */
class MemcacheParserTest {
    static final String MAINTENANCE = "10.1.0.1";
    static final String MONITORING = "10.1.0.2";
    static final String JEDI = "10.1.0.3";
    static final String MEMCACHED = "10.1.0.9";

    static EngineRedirectLookup lookup() {
        EngineRedirectLookup l = EngineRedirectLookup.withPolicies(SeedPolicies.memcached());
        l.pod(MAINTENANCE, "function=fleet-maintanence", false);
        l.pod(MONITORING, "function=fleet-monitoring", false);
        l.pod(JEDI, "role=jedi", false);
        l.pod(MEMCACHED, "app=memcached", true);
        return l;
    }

    static final EngineRedirectLookup LOOKUP = lookup();

    static ParserHarness from(String client) {
        return new ParserHarness(new MemcacheParserFactory(), LOOKUP, Direction.INGRESS, client, MEMCACHED, 11211);
    }

    @Test
    void textCommandsAreDecidedByKeyAndDeniedOnesAnsweredInTurn() {
        String set = "set alliance/fleet/x-wing 0 0 5\r\nhello\r\n";
        String get = "get alliance/fleet/x-wing\r\n";
        String hoth = "set alliance/bases/hoth 0 0 3\r\nabc\r\n";
        String del = "delete alliance/fleet/x-wing noreply\r\n";
        String deniedQuiet = "delete empire/plans noreply\r\n";
        Result r = from(MAINTENANCE).assertSplitInvariant(List.of(
                request(set + get + hoth + del + deniedQuiet + get),
                reply("STORED\r\nVALUE alliance/fleet/x-wing 0 5\r\nhello\r\nEND\r\nEND\r\n")));
        assertEquals(set + get + del + get, r.toServerText());
        assertEquals("STORED\r\nVALUE alliance/fleet/x-wing 0 5\r\nhello\r\nEND\r\nCLIENT_ERROR access denied\r\nEND\r\n",
                r.toClientText());
        assertFalse(r.failed(), r.failure());
        String rule = " CiliumNetworkPolicy/default/secure-rebel-alliance-memcache specs[0].ingress[0]";
        assertEquals(List.of(
                "REQUEST FORWARDED {command=set, key=alliance/fleet/x-wing}" + rule,
                "REQUEST FORWARDED {command=get, key=alliance/fleet/x-wing}" + rule,
                "REQUEST DENIED {command=set, key=alliance/bases/hoth}",
                "REPLY DENIED {command=set, key=alliance/bases/hoth, result=CLIENT_ERROR}",
                "REQUEST FORWARDED {command=delete, key=alliance/fleet/x-wing}" + rule,
                "REQUEST DENIED {command=delete, key=empire/plans}",
                "REQUEST FORWARDED {command=get, key=alliance/fleet/x-wing}" + rule,
                "REPLY FORWARDED {command=set, key=alliance/fleet/x-wing, result=STORED}",
                "REPLY FORWARDED {command=get, key=alliance/fleet/x-wing, result=END}",
                "REPLY FORWARDED {command=get, key=alliance/fleet/x-wing, result=END}"), r.events());
    }

    @Test
    void aMultiKeyGetPassesOnlyWhenEveryKeyDoes() {
        Result r = from(MONITORING).assertSplitInvariant(List.of(
                request("get alliance/fleet/a alliance/fleet/b\r\nget alliance/fleet/a empire/plans\r\nset alliance/fleet/a 0 0 1\r\nx\r\n"),
                reply("END\r\n")));
        assertEquals("get alliance/fleet/a alliance/fleet/b\r\n", r.toServerText());
        assertEquals("END\r\nCLIENT_ERROR access denied\r\nCLIENT_ERROR access denied\r\n", r.toClientText());
    }

    @Test
    void jediMayDoAnything() {
        Result r = from(JEDI).assertSplitInvariant(List.of(request("stats\r\nflush_all\r\n"),
                reply("STAT pid 1\r\nSTAT uptime 2\r\nEND\r\nOK\r\n")));
        assertEquals("stats\r\nflush_all\r\n", r.toServerText());
        assertEquals("STAT pid 1\r\nSTAT uptime 2\r\nEND\r\nOK\r\n", r.toClientText());
    }

    static byte[] binaryRequest(int opcode, String key, byte[] extras, byte[] value, int opaque) {
        byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(24 + extras.length + k.length + value.length);
        b.put((byte) 0x80).put((byte) opcode).putShort((short) k.length).put((byte) extras.length).put((byte) 0)
                .putShort((short) 0).putInt(extras.length + k.length + value.length).putInt(opaque).putLong(0)
                .put(extras).put(k).put(value);
        return b.array();
    }

    static byte[] binaryResponse(int opcode, int status, byte[] value, int opaque) {
        ByteBuffer b = ByteBuffer.allocate(24 + value.length);
        b.put((byte) 0x81).put((byte) opcode).putShort((short) 0).put((byte) 0).put((byte) 0).putShort((short) status)
                .putInt(value.length).putInt(opaque).putLong(0).put(value);
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @Test
    void binaryRequestsAreMatchedByOpaqueAndQuietOnesDoNotHoldDenialsBack() {
        byte[] setExtras = new byte[8];
        byte[] set = binaryRequest(0x01, "alliance/fleet/x", setExtras, "v".repeat(3000).getBytes(), 1);
        byte[] getq = binaryRequest(0x09, "alliance/fleet/miss", new byte[0], new byte[0], 2);
        byte[] deniedGet = binaryRequest(0x00, "empire/plans", new byte[0], new byte[0], 3);
        byte[] noop = binaryRequest(0x0a, "", new byte[0], new byte[0], 4);
        byte[] setReply = binaryResponse(0x01, 0, new byte[0], 1);
        Result r = from(MAINTENANCE).assertSplitInvariant(List.of(
                request(concat(set, getq, deniedGet, noop)),
                reply(setReply)));
        // noop has no key: the maintenance rules (all key-bound) deny it too.
        assertArrayEquals(concat(set, getq), r.toServer());
        byte[] denied3 = MemcacheBinaryProtocol.deniedResponse(0x00, 3);
        byte[] denied4 = MemcacheBinaryProtocol.deniedResponse(0x0a, 4);
        assertArrayEquals(concat(setReply, denied3, denied4), r.toClient(), "the denials follow the set's reply; the quiet get's missing reply does not hold them");
        assertFalse(r.failed(), r.failure());
    }

    @ParameterizedTest(name = "refused: {0}")
    @ValueSource(strings = {
            "get a\nget secret\r\n",
            "get a\rget b\r\n",
            "set alliance/fleet/a 0 0 3\r\nabcXYget empire/plans\r\n",
            "set alliance/fleet/a 0 0 -1\r\n",
            "set alliance/fleet/a 0 0\r\n",
            "set  alliance/fleet/a 0 0 1\r\nx\r\n",
            "shutdown\r\n",
            "mg alliance/fleet/a v\r\n",
    })
    void malformedTextIsRefusedAndNothingAfterItPasses(String input) {
        Result r = from(JEDI).assertSplitInvariant(List.of(request(input)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        assertFalse(r.toServerText().contains("secret") || r.toServerText().contains("empire"), r.toServerText());
    }

    @Test
    void aLineWithoutAnEndIsRefusedAtTheLimit() {
        Result r = from(JEDI).run(List.of(request("get " + "k".repeat(20_000))));
        assertEquals(ErrorKind.LIMIT, r.failureKind(), r.failure());
        assertEquals("", r.toServerText());
    }

    @Test
    void binaryFramesWithHostileLengthsAreRefused() {
        byte[] huge = binaryRequest(0x01, "k", new byte[8], new byte[0], 1);
        ByteBuffer.wrap(huge).putInt(8, 0x7fffffff);
        Result r = from(JEDI).run(List.of(request(huge)));
        assertEquals(ErrorKind.LIMIT, r.failureKind(), r.failure());
        byte[] lying = binaryRequest(0x00, "abc", new byte[0], new byte[0], 1);
        ByteBuffer.wrap(lying).putInt(8, 1);
        r = from(JEDI).run(List.of(request(lying)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        byte[] unknown = binaryRequest(0x7e, "abc", new byte[0], new byte[0], 1);
        r = from(JEDI).run(List.of(request(unknown)));
        assertTrue(r.failure().contains("unknown memcached binary opcode 0x7e"), r.failure());
        assertEquals(0, r.toServer().length);
    }
}
