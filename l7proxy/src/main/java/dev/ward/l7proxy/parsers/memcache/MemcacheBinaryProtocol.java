package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ReplyQueue;
import dev.ward.l7proxy.parser.Side;
import dev.ward.policy.l7.L7Request;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * memcached's binary protocol: 24-byte headers, then extras, key and value. A request is decided once its header,
 * extras and key are in; its value streams through. Replies are matched by opaque; quiet commands may get none.
 * A denied request is answered with a response of its opcode and opaque, status 0x0008 (auth error) and the text
 * "access denied".
 */
final class MemcacheBinaryProtocol {
    static final int HEADER = 24;
    static final int MAX_BODY = 64 * 1024 * 1024;
    static final short DENIED_STATUS = 0x0008;
    private static final byte[] DENIED_TEXT = "access denied".getBytes(StandardCharsets.US_ASCII);

    /** Opcode to the command name rules use, or null for unknown opcodes. Quiet variants share their name. */
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0x00, "get"), Map.entry(0x09, "get"), Map.entry(0x0c, "get"), Map.entry(0x0d, "get"),
            Map.entry(0x01, "set"), Map.entry(0x11, "set"), Map.entry(0x02, "add"), Map.entry(0x12, "add"),
            Map.entry(0x03, "replace"), Map.entry(0x13, "replace"), Map.entry(0x04, "delete"), Map.entry(0x14, "delete"),
            Map.entry(0x05, "incr"), Map.entry(0x15, "incr"), Map.entry(0x06, "decr"), Map.entry(0x16, "decr"),
            Map.entry(0x07, "quit"), Map.entry(0x17, "quit"), Map.entry(0x08, "flush_all"), Map.entry(0x18, "flush_all"),
            Map.entry(0x0a, "noop"), Map.entry(0x0b, "version"), Map.entry(0x0e, "append"), Map.entry(0x19, "append"),
            Map.entry(0x0f, "prepend"), Map.entry(0x1a, "prepend"), Map.entry(0x10, "stats"), Map.entry(0x1c, "touch"),
            Map.entry(0x1d, "gat"), Map.entry(0x1e, "gat"), Map.entry(0x23, "gat"), Map.entry(0x24, "gat"),
            Map.entry(0x20, "sasl"), Map.entry(0x21, "sasl"), Map.entry(0x22, "sasl"));
    /** Quiet commands: the server stays silent on success (or a miss, for gets). */
    private static final java.util.Set<Integer> QUIET = java.util.Set.of(
            0x09, 0x0d, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1e, 0x24);

    private record Sent(int opaque, L7Request.Generic request) {}

    private final MemcacheRules rules;
    private final ReplyQueue<Sent> queue = new ReplyQueue<>();
    private final ArrayDeque<Op> requestOps = new ArrayDeque<>();
    private final ArrayDeque<Op> replyOps = new ArrayDeque<>();

    MemcacheBinaryProtocol(MemcacheRules rules) {
        this.rules = rules;
    }

    Op request(ByteBuffer data) {
        if (!requestOps.isEmpty()) return requestOps.poll();
        if (data.remaining() < HEADER) return Op.more(HEADER - data.remaining());
        int p = data.position();
        if ((data.get(p) & 0xff) != 0x80) return Op.error("memcached binary request with magic 0x" + hex(data.get(p)));
        int opcode = data.get(p + 1) & 0xff;
        int keyLength = data.getShort(p + 2) & 0xffff;
        int extrasLength = data.get(p + 4) & 0xff;
        long body = data.getInt(p + 8) & 0xffffffffL;
        int opaque = data.getInt(p + 12);
        String command = NAMES.get(opcode);
        if (command == null) return Op.error("unknown memcached binary opcode 0x" + hex((byte) opcode));
        if (body > MAX_BODY) return Op.tooLarge("memcached binary body of " + body + " bytes (limit " + MAX_BODY + ")");
        if (keyLength + extrasLength > body) return Op.error("memcached binary key and extras longer than the body");
        if (keyLength > MemcacheRules.MAX_KEY) return Op.error("memcached key longer than " + MemcacheRules.MAX_KEY + " bytes");
        int needed = HEADER + extrasLength + keyLength;
        if (data.remaining() < needed) return Op.more(needed - data.remaining());
        byte[] k = new byte[keyLength];
        data.get(p + HEADER + extrasLength, k);
        String key = new String(k, StandardCharsets.ISO_8859_1);
        List<String> keys = keyLength == 0 ? List.of() : List.of(key);
        if (keyLength > 0) {
            String bad = MemcacheRules.invalidKey(key);
            if (bad != null) return Op.error(bad);
        }
        L7Request.Generic denied = rules.decide(command, keys);
        long frame = HEADER + body;
        if (denied == null) {
            queue.forwarded(new Sent(opaque, MemcacheRules.request(command, keys)), QUIET.contains(opcode));
            return Op.pass(frame);
        }
        rules.deniedReply(denied, "status=0x" + Integer.toHexString(DENIED_STATUS));
        requestOps.add(Op.drop(frame));
        List<byte[]> due = queue.denied(new Sent(opaque, denied), deniedResponse(opcode, opaque));
        for (int i = due.size() - 1; i >= 0; i--) requestOps.addFirst(Op.inject(Side.REPLY, due.get(i)));
        return requestOps.poll();
    }

    Op reply(ByteBuffer data) {
        if (!replyOps.isEmpty()) return replyOps.poll();
        if (data.remaining() < HEADER) return Op.more(HEADER - data.remaining());
        int p = data.position();
        if ((data.get(p) & 0xff) != 0x81) return Op.error("memcached binary response with magic 0x" + hex(data.get(p)));
        int status = data.getShort(p + 6) & 0xffff;
        long body = data.getInt(p + 8) & 0xffffffffL;
        int opaque = data.getInt(p + 12);
        if (body > MAX_BODY) return Op.tooLarge("memcached binary response body of " + body + " bytes");
        Sent s = queue.answered(x -> x.opaque() == opaque);
        if (s != null) rules.reply(s.request(), "status=0x" + Integer.toHexString(status));
        for (byte[] due : queue.due()) replyOps.add(Op.inject(Side.REPLY, due));
        return Op.pass(HEADER + body);
    }

    static byte[] deniedResponse(int opcode, int opaque) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + DENIED_TEXT.length);
        b.put((byte) 0x81).put((byte) opcode).putShort((short) 0).put((byte) 0).put((byte) 0).putShort(DENIED_STATUS)
                .putInt(DENIED_TEXT.length).putInt(opaque).putLong(0).put(DENIED_TEXT);
        return b.array();
    }

    private static String hex(byte b) {
        return Integer.toHexString(b & 0xff);
    }
}
