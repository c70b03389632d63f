package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ReplyQueue;
import dev.ward.l7proxy.parser.Side;
import dev.ward.policy.l7.L7Request;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * memcached's text protocol. A command line is read whole (CRLF-ended, nothing else accepted: a bare LF would
 * split it differently in memcached) and decided key by key; storage data streams through after it and must end
 * in CRLF. Replies are read in command order, so a denied command's {@code CLIENT_ERROR access denied} goes out in
 * its turn; {@code noreply} commands expect nothing.
 */
final class MemcacheTextProtocol {
    static final int MAX_LINE = 8 * 1024;
    static final byte[] DENIED = "CLIENT_ERROR access denied\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Set<String> STORAGE = Set.of("set", "add", "replace", "append", "prepend", "cas");
    private static final Set<String> RETRIEVAL = Set.of("get", "gets", "gat", "gats");

    private enum Reply { VALUES, STATS, LINE }

    private record Sent(Reply reply, L7Request.Generic request) {}

    private final MemcacheRules rules;
    private final ReplyQueue<Sent> queue = new ReplyQueue<>();
    private final ArrayDeque<Op> requestOps = new ArrayDeque<>();
    private final ArrayDeque<Op> replyOps = new ArrayDeque<>();
    /** The data of a storage command ends here; its CRLF is checked before anything else is read. */
    private boolean dataEndPending;
    private boolean dataEndPass;

    MemcacheTextProtocol(MemcacheRules rules) {
        this.rules = rules;
    }

    Op request(ByteBuffer data) {
        if (!requestOps.isEmpty()) return requestOps.poll();
        if (dataEndPending) {
            if (data.remaining() < 2) return Op.more(2 - data.remaining());
            if (data.get(data.position()) != '\r' || data.get(data.position() + 1) != '\n') {
                return Op.error("memcached data block not ended by CRLF");
            }
            dataEndPending = false;
            return dataEndPass ? Op.pass(2) : Op.drop(2);
        }
        if (!data.hasRemaining()) return Op.more(1);
        int length;
        try {
            length = lineLength(data);
        } catch (IllegalArgumentException e) {
            return Op.error(e.getMessage());
        }
        if (length < 0) {
            return data.remaining() >= MAX_LINE ? Op.tooLarge("memcached command line longer than " + MAX_LINE + " bytes")
                    : Op.more(1);
        }
        String line = new String(bytes(data, length - 2), StandardCharsets.ISO_8859_1);
        String[] t = line.split(" ", -1);
        for (String token : t) if (token.isEmpty()) return Op.error("empty token in memcached command '" + clip(line) + "'");
        String cmd = t[0];
        boolean noreply = t.length > 1 && t[t.length - 1].equals("noreply");
        int args = t.length - 1 - (noreply ? 1 : 0);
        long dataBytes = -1;
        List<String> keys;
        Reply reply = Reply.LINE;
        if (STORAGE.contains(cmd)) {
            int want = cmd.equals("cas") ? 5 : 4;
            if (args != want) return Op.error("memcached " + cmd + " takes " + want + " arguments, not " + args);
            dataBytes = number(t[4]);
            if (dataBytes < 0) return Op.error("memcached " + cmd + " with invalid length '" + clip(t[4]) + "'");
            keys = List.of(t[1]);
        } else if (RETRIEVAL.contains(cmd)) {
            int first = cmd.startsWith("gat") ? 2 : 1;
            if (t.length <= first) return Op.error("memcached " + cmd + " without a key");
            keys = Arrays.asList(t).subList(first, t.length);
            noreply = false;
            reply = Reply.VALUES;
        } else {
            switch (cmd) {
                case "delete" -> {
                    if (args < 1 || args > 2) return Op.error("memcached delete takes a key");
                    keys = List.of(t[1]);
                }
                case "incr", "decr", "touch" -> {
                    if (args != 2) return Op.error("memcached " + cmd + " takes a key and a number");
                    keys = List.of(t[1]);
                }
                case "stats" -> {
                    keys = List.of();
                    noreply = false;
                    reply = Reply.STATS;
                }
                case "flush_all", "verbosity", "version", "quit" -> keys = List.of();
                default -> {
                    return Op.error("unknown memcached command '" + clip(cmd) + "'");
                }
            }
        }
        for (String k : keys) {
            String bad = MemcacheRules.invalidKey(k);
            if (bad != null) return Op.error(bad);
        }
        L7Request.Generic decided = rules.decide(cmd, keys);
        boolean allowed = decided == null;
        L7Request.Generic logged = allowed ? MemcacheRules.request(cmd, keys) : decided;
        if (allowed) {
            requestOps.add(Op.pass(length));
            if (!noreply && !cmd.equals("quit")) queue.forwarded(new Sent(reply, logged), false);
        } else {
            requestOps.add(Op.drop(length));
            if (!noreply) {
                rules.deniedReply(logged, "CLIENT_ERROR");
                List<byte[]> due = queue.denied(null, DENIED);
                for (int i = due.size() - 1; i >= 0; i--) requestOps.addFirst(Op.inject(Side.REPLY, due.get(i)));
            }
        }
        if (dataBytes > 0) requestOps.add(allowed ? Op.pass(dataBytes) : Op.drop(dataBytes));
        if (dataBytes >= 0) {
            dataEndPending = true;
            dataEndPass = allowed;
        }
        return requestOps.poll();
    }

    Op reply(ByteBuffer data) {
        if (!replyOps.isEmpty()) return replyOps.poll();
        if (!data.hasRemaining()) return Op.more(1);
        int length;
        try {
            length = lineLength(data);
        } catch (IllegalArgumentException e) {
            return Op.error(e.getMessage());
        }
        if (length < 0) {
            return data.remaining() >= MAX_LINE ? Op.tooLarge("memcached reply line longer than " + MAX_LINE) : Op.more(1);
        }
        String line = new String(bytes(data, length - 2), StandardCharsets.ISO_8859_1);
        Sent oldest = queue.oldestForwarded();
        Reply kind = oldest == null ? Reply.LINE : oldest.reply();
        boolean error = line.equals("ERROR") || line.startsWith("CLIENT_ERROR") || line.startsWith("SERVER_ERROR");
        if (!error && kind == Reply.VALUES && line.startsWith("VALUE ")) {
            String[] t = line.split(" ");
            long n = t.length >= 4 ? number(t[3]) : -1;
            if (n < 0) return Op.error("memcached VALUE line without a length: '" + clip(line) + "'");
            return Op.pass(length + n + 2);
        }
        if (!error && kind == Reply.STATS && line.startsWith("STAT ")) return Op.pass(length);
        if (oldest != null) {
            queue.answered(s -> s == oldest);
            rules.reply(oldest.request(), line.split(" ", 2)[0]);
            for (byte[] due : queue.due()) replyOps.add(Op.inject(Side.REPLY, due));
        }
        return Op.pass(length);
    }

    /** Bytes through the first CRLF, -1 when none yet; a bare LF is refused. */
    static int lineLength(ByteBuffer data) {
        int start = data.position();
        for (int i = start; i < data.limit(); i++) {
            byte b = data.get(i);
            if (b == '\n') {
                if (i == start || data.get(i - 1) != '\r') throw new IllegalArgumentException("bare LF in a memcached line");
                return i - start + 1;
            }
            if (b == '\r' && i + 1 < data.limit() && data.get(i + 1) != '\n') {
                throw new IllegalArgumentException("CR without LF in a memcached line");
            }
        }
        return -1;
    }

    private static long number(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) return -1;
        long n = Long.parseLong(s);
        return n > Integer.MAX_VALUE ? -1 : n;
    }

    private static byte[] bytes(ByteBuffer data, int n) {
        byte[] out = new byte[n];
        data.get(data.position(), out);
        return out;
    }

    static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
