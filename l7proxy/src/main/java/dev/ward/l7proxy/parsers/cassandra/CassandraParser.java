package dev.ward.l7proxy.parsers.cassandra;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parser.Side;
import dev.ward.policy.l7.L7Request;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cassandra's native protocol, v3 to v5 (v5's segment framing included). QUERY, PREPARE, EXECUTE and BATCH are
 * decided statement by statement on {@code query_action} and {@code query_table}; a denied envelope never
 * reaches the server and is answered with an Unauthorized error on its stream. In a v5 segment holding several
 * envelopes, the allowed ones are passed on in a rebuilt segment, and the proxy's answers go back in as many
 * segments as they fill. The session keyspace is taken from the server's SetKeyspace results, never from the
 * client's USE, and nothing is decided while a USE is in flight: in a segment, the envelopes after a USE are held
 * by the parser and decided when its result passes.
 *
 * <p>Protocol negotiation: until the client's first envelope of v3-v5, a request of another version is answered
 * as Cassandra answers it (a Protocol_error "Invalid or unsupported protocol version" on stream 0, in a v5 header,
 * or in the client's own header for v1 and v2) and dropped, so that a driver that opens with the highest version
 * it knows steps down. Each such answer is an access event (a reply, {@code protocol_version}). The first
 * v3-v5 envelope fixes the connection's version: any other version after it closes the connection.
 */
final class CassandraParser implements L7Parser {
    static final int MAX_ENVELOPE = 4 * 1024 * 1024;
    static final int HEADER = 9;
    static final int UNAUTHORIZED = 0x2100;
    static final int UNPREPARED = 0x2500;
    static final int PROTOCOL_ERROR = 0x000A;
    static final int MIN_VERSION = 3, MAX_VERSION = 5;
    /** Unsupported versions answered on one connection before it counts as not stepping down. */
    static final int MAX_VERSION_ANSWERS = 8;
    private static final int ERROR = 0x00, STARTUP = 0x01, READY = 0x02, AUTHENTICATE = 0x03, OPTIONS = 0x05,
            QUERY = 0x07, RESULT = 0x08, PREPARE = 0x09, EXECUTE = 0x0A, REGISTER = 0x0B, BATCH = 0x0D,
            AUTH_RESPONSE = 0x0F;

    private final ParserContext context;
    private final CqlPrepared prepared;
    private final ArrayDeque<Op> requestOps = new ArrayDeque<>();
    private final ArrayDeque<Op> replyOps = new ArrayDeque<>();
    private final Map<Integer, List<CqlStatement>> preparing = new HashMap<>();
    private final Set<Integer> usesInFlight = new HashSet<>();
    /** The envelopes of a v5 segment that came after a USE in it, held until its result. */
    private final ArrayDeque<byte[]> afterUse = new ArrayDeque<>();
    private String keyspace;
    private boolean framed;
    /** The version of the connection's first v3-v5 request; 0 while the client may still negotiate. */
    private int sessionVersion;
    private int versionAnswers;

    CassandraParser(ParserContext context, CqlPrepared prepared) {
        this.context = context;
        this.prepared = prepared;
    }

    /** Bad input the connection cannot survive. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** An envelope's fate: forwarded (answer null), answered by the proxy, or held until a USE completes. */
    private record Verdict(byte[] answer, boolean hold) {
        static final Verdict PASS = new Verdict(null, false);
        static final Verdict HOLD = new Verdict(null, true);
    }

    @Override
    public Op onData(Side side, ByteBuffer data, boolean endStream) {
        try {
            if (side == Side.REQUEST) {
                if (!requestOps.isEmpty()) return requestOps.poll();
                return framed ? requestSegment(data) : requestEnvelope(data);
            }
            if (!replyOps.isEmpty()) return replyOps.poll();
            return framed ? replySegment(data) : replyEnvelope(data);
        } catch (Refused e) {
            return Op.error(e.getMessage());
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            return Op.error("CQL envelope body shorter than its contents");
        }
    }

    // ---- unframed envelopes (v3, v4, and v5 before READY) ---------------------------------------------------

    private Op requestEnvelope(ByteBuffer data) throws Refused {
        if (sessionVersion == 0 && data.hasRemaining() && offersUnsupportedVersion(data.get(data.position()) & 0xff)) {
            return answerUnsupportedVersion(data);
        }
        if (data.remaining() < HEADER) return Op.more(HEADER - data.remaining());
        int p = data.position();
        int length = envelopeLength(data, p, true);
        if (data.remaining() < HEADER + length) return Op.more(HEADER + length - data.remaining());
        Verdict v = decide(data, p);
        if (v.hold()) return Op.nop();
        if (v.answer() == null) return Op.pass(HEADER + length);
        requestOps.add(Op.drop(HEADER + length));
        return Op.inject(Side.REPLY, v.answer());
    }

    private Op replyEnvelope(ByteBuffer data) throws Refused {
        if (data.remaining() < HEADER) return Op.more(HEADER - data.remaining());
        int p = data.position();
        int length = envelopeLength(data, p, false);
        int opcode = data.get(p + 4) & 0xff;
        int stream = data.getShort(p + 2);
        if (needsReading(opcode, stream)) {
            if (data.remaining() < HEADER + length) return Op.more(HEADER + length - data.remaining());
            observeReply(data, p);
        }
        if ((opcode == READY || opcode == AUTHENTICATE) && (data.get(p) & 0x7f) == 5) framed = true;
        return Op.pass(HEADER + length);
    }

    /** A request-direction version byte the parser does not read (a response's direction bit is not an offer). */
    private static boolean offersUnsupportedVersion(int versionByte) {
        return (versionByte & 0x80) == 0 && (versionByte < MIN_VERSION || versionByte > MAX_VERSION);
    }

    /**
     * Answers a request of a version the parser does not read, before the connection's version is fixed, as
     * Cassandra does: the client learns the versions spoken here and retries with a lower one. The request's
     * length field is where v1/v2 (one-byte stream id) or v3 and later put it; its body is dropped unread.
     */
    private Op answerUnsupportedVersion(ByteBuffer data) throws Refused {
        int version = data.get(data.position()) & 0xff;
        int header = version == 1 || version == 2 ? HEADER - 1 : HEADER;
        if (data.remaining() < header) return Op.more(header - data.remaining());
        int length = data.getInt(data.position() + header - 4);
        if (length < 0 || length > MAX_ENVELOPE) {
            throw new Refused("CQL request of unsupported version " + version + " with a body length of " + length);
        }
        if (++versionAnswers > MAX_VERSION_ANSWERS) {
            throw new Refused("CQL client offered " + versionAnswers + " unsupported protocol versions without stepping down to v"
                    + MIN_VERSION + "-v" + MAX_VERSION);
        }
        // The proxy answers in the server's place here, not for a policy: a reply, not a denial.
        context.reply(new L7Request.Generic("cassandra", Map.of("protocol_version", Integer.toString(version))), false,
                Map.of("error", "Protocol_error"));
        requestOps.add(Op.drop(header + (long) length));
        return Op.inject(Side.REPLY, unsupportedVersion(version));
    }

    private static int envelopeLength(ByteBuffer b, int p, boolean request) throws Refused {
        int version = b.get(p) & 0xff;
        if (request && (version < MIN_VERSION || version > MAX_VERSION)) {
            throw new Refused("not a CQL v3-v5 request (version byte 0x" + Integer.toHexString(version) + ")");
        }
        if (!request && ((version & 0x80) == 0 || (version & 0x7f) < MIN_VERSION || (version & 0x7f) > MAX_VERSION)) {
            throw new Refused("not a CQL v3-v5 response (version byte 0x" + Integer.toHexString(version) + ")");
        }
        if ((b.get(p + 1) & 0x01) != 0) throw new Refused("compressed CQL envelopes are not parsed by the proxy");
        int length = b.getInt(p + 5);
        if (length < 0) throw new Refused("negative CQL body length " + length);
        if (length > MAX_ENVELOPE) throw new Refused("CQL body of " + length + " bytes (limit " + MAX_ENVELOPE + ")");
        return length;
    }

    // ---- v5 segments --------------------------------------------------------------------------------------

    private Op requestSegment(ByteBuffer data) throws Refused {
        int p = data.position();
        CqlSegments.Header h = CqlSegments.header(data, p);
        if (h == null) return Op.more(CqlSegments.HEADER - data.remaining());
        if (!h.crcOk()) throw new Refused("CQL segment header CRC mismatch");
        if (data.remaining() < h.segmentLength()) return Op.more(h.segmentLength() - data.remaining());
        if (!CqlSegments.payloadCrcOk(data, p, h)) throw new Refused("CQL segment payload CRC mismatch");
        if (!afterUse.isEmpty()) return Op.nop();
        if (!h.selfContained()) return requestSpanningEnvelope(data, p);
        List<ByteBuffer> envelopes = new ArrayList<>();
        int at = p + CqlSegments.HEADER;
        int end = at + h.payloadLength();
        while (at < end) {
            if (end - at < HEADER) throw new Refused("CQL segment ends inside an envelope header");
            int length = envelopeLength(data, at, true);
            if (end - at < HEADER + length) throw new Refused("self-contained CQL segment ends inside an envelope");
            envelopes.add(data.duplicate().position(at).limit(at + HEADER + length).slice());
            at += HEADER + length;
        }
        Decided d = decideInTurn(envelopes);
        if (d.count() == 0 && !envelopes.isEmpty()) return Op.nop();
        if (d.count() == envelopes.size() && d.answers().isEmpty()) return Op.pass(h.segmentLength());
        // What follows a USE in this segment waits for its result; the rest goes on rebuilt now.
        for (ByteBuffer e : envelopes.subList(d.count(), envelopes.size())) afterUse.add(bytes(e, 0, e.remaining()));
        requestOps.add(Op.drop(h.segmentLength()));
        queue(requestOps, d);
        return requestOps.poll();
    }

    /** Envelopes decided in order, up to the first that must wait for a USE's result. */
    private record Decided(int count, List<byte[]> allowed, List<byte[]> answers) {}

    private Decided decideInTurn(List<ByteBuffer> envelopes) throws Refused {
        List<byte[]> allowed = new ArrayList<>();
        List<byte[]> answers = new ArrayList<>();
        int n = 0;
        for (ByteBuffer e : envelopes) {
            Verdict v = decide(e, 0);
            if (v.hold()) break;
            if (v.answer() == null) allowed.add(bytes(e, 0, e.remaining()));
            else answers.add(v.answer());
            n++;
        }
        return new Decided(n, allowed, answers);
    }

    /** The allowed envelopes on to the server and the answers to the client, each in as few segments as hold them. */
    private static void queue(ArrayDeque<Op> ops, Decided d) {
        for (byte[] s : segments(d.allowed())) ops.add(Op.inject(Side.REQUEST, s));
        for (byte[] s : segments(d.answers())) ops.add(Op.inject(Side.REPLY, s));
    }

    private static List<byte[]> segments(List<byte[]> envelopes) {
        List<byte[]> out = new ArrayList<>();
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (byte[] e : envelopes) {
            if (payload.size() + e.length > CqlSegments.MAX_PAYLOAD) {
                out.add(CqlSegments.selfContained(payload.toByteArray()));
                payload.reset();
            }
            payload.writeBytes(e);
        }
        if (payload.size() > 0) out.add(CqlSegments.selfContained(payload.toByteArray()));
        return out;
    }

    /** An envelope too large for one segment: gather its segments, then decide it whole. */
    private Op requestSpanningEnvelope(ByteBuffer data, int p) throws Refused {
        ByteArrayOutputStream envelope = new ByteArrayOutputStream();
        int at = p;
        long total = -1;
        while (total < 0 || envelope.size() < total) {
            CqlSegments.Header h = CqlSegments.header(data, at);
            if (h == null) return Op.more(CqlSegments.HEADER - (data.limit() - at));
            if (data.limit() - at < h.segmentLength()) return Op.more(h.segmentLength() - (data.limit() - at));
            if (!h.crcOk() || !CqlSegments.payloadCrcOk(data, at, h)) throw new Refused("CQL segment CRC mismatch");
            if (h.selfContained()) throw new Refused("self-contained CQL segment inside a spanning envelope");
            envelope.write(bytes(data, at + CqlSegments.HEADER, h.payloadLength()), 0, h.payloadLength());
            at += h.segmentLength();
            if (total < 0 && envelope.size() >= HEADER) {
                ByteBuffer e = ByteBuffer.wrap(envelope.toByteArray());
                total = HEADER + (long) envelopeLength(e, 0, true);
            }
            if (at - p > MAX_ENVELOPE + 64 * CqlSegments.HEADER) throw new Refused("CQL envelope over " + MAX_ENVELOPE + " bytes");
        }
        if (envelope.size() != total) throw new Refused("CQL segments carry more than their envelope");
        Verdict v = decide(ByteBuffer.wrap(envelope.toByteArray()), 0);
        if (v.hold()) return Op.nop();
        if (v.answer() == null) return Op.pass(at - p);
        requestOps.add(Op.drop(at - p));
        return Op.inject(Side.REPLY, CqlSegments.selfContained(v.answer()));
    }

    private Op replySegment(ByteBuffer data) throws Refused {
        int p = data.position();
        CqlSegments.Header h = CqlSegments.header(data, p);
        if (h == null) return Op.more(CqlSegments.HEADER - data.remaining());
        if (!h.selfContained() || (preparing.isEmpty() && usesInFlight.isEmpty())) return Op.pass(h.segmentLength());
        if (data.remaining() < h.segmentLength()) return Op.more(h.segmentLength() - data.remaining());
        int at = p + CqlSegments.HEADER;
        int end = at + h.payloadLength();
        while (end - at >= HEADER) {
            int length = envelopeLength(data, at, false);
            if (end - at < HEADER + length) break;
            if (needsReading(data.get(at + 4) & 0xff, data.getShort(at + 2))) observeReply(data, at);
            at += HEADER + length;
        }
        if (usesInFlight.isEmpty() && !afterUse.isEmpty()) releaseAfterUse();
        return Op.pass(h.segmentLength());
    }

    /**
     * Decides the envelopes that waited for a USE, now that its result is known. Their bytes go out from the reply
     * side, after the server's segment that carried the result.
     */
    private void releaseAfterUse() throws Refused {
        Decided d = decideInTurn(afterUse.stream().map(ByteBuffer::wrap).toList());
        for (int i = 0; i < d.count(); i++) afterUse.poll();
        queue(replyOps, d);
    }

    // ---- decisions ----------------------------------------------------------------------------------------

    private Verdict decide(ByteBuffer b, int p) throws Refused {
        int version = b.get(p) & 0xff;
        int stream = b.getShort(p + 2);
        int opcode = b.get(p + 4) & 0xff;
        if (sessionVersion == 0) sessionVersion = version;
        else if (version != sessionVersion) {
            throw new Refused("CQL v" + version + " request on a connection that opened with v" + sessionVersion);
        }
        ByteBuffer body = b.duplicate().position(p + HEADER).limit(p + HEADER + b.getInt(p + 5)).slice();
        switch (opcode) {
            case STARTUP -> {
                Map<String, String> options = stringMap(body);
                if (options.containsKey("COMPRESSION")) {
                    return new Verdict(error(version, stream, PROTOCOL_ERROR,
                            "compression is not supported through Ward's L7 proxy", null), false);
                }
                return Verdict.PASS;
            }
            case OPTIONS, REGISTER, AUTH_RESPONSE -> {
                return Verdict.PASS;
            }
            case QUERY, PREPARE, BATCH, EXECUTE -> {
                // A USE in flight may change how the server reads unqualified names: wait for its result.
                if (!usesInFlight.isEmpty()) return Verdict.HOLD;
            }
            default -> throw new Refused("CQL request opcode 0x" + Integer.toHexString(opcode) + " is not a client request");
        }
        List<CqlStatement> statements = new ArrayList<>();
        byte[] unprepared = null;
        try {
            switch (opcode) {
                case QUERY -> {
                    String cql = longString(body);
                    statements.addAll(CqlStatement.parse(cql, queryKeyspace(body, version)));
                }
                case PREPARE -> {
                    String cql = longString(body);
                    String ks = keyspace;
                    if (version >= 5 && body.remaining() >= 4 && (body.getInt() & 0x01) != 0) ks = string(body);
                    statements.addAll(CqlStatement.parse(cql, ks));
                }
                case EXECUTE -> {
                    byte[] id = shortBytes(body);
                    List<CqlStatement> s = prepared.statements(id);
                    if (s == null) unprepared = id;
                    else statements.addAll(s);
                }
                default -> {
                    body.get();
                    int n = body.getShort() & 0xffff;
                    for (int i = 0; i < n && unprepared == null; i++) {
                        int kind = body.get();
                        if (kind == 0) {
                            statements.addAll(CqlStatement.parse(longString(body), keyspace));
                        } else if (kind == 1) {
                            byte[] id = shortBytes(body);
                            List<CqlStatement> s = prepared.statements(id);
                            if (s == null) unprepared = id;
                            else statements.addAll(s);
                        } else {
                            throw new Refused("CQL batch entry of kind " + kind);
                        }
                        int values = body.getShort() & 0xffff;
                        for (int v = 0; v < values; v++) skipValue(body);
                    }
                }
            }
        } catch (CqlStatement.Unreadable e) {
            context.reply(request("unreadable", ""), true, Map.of("error", e.getMessage()));
            return new Verdict(error(version, stream, UNAUTHORIZED, "statement not readable by the proxy: " + e.getMessage(), null), false);
        }
        if (unprepared != null) {
            return new Verdict(error(version, stream, UNPREPARED, "statement not prepared through this proxy", unprepared), false);
        }
        for (CqlStatement s : statements) {
            L7Request.Generic r = request(s.action(), s.table());
            if (!context.decide(r).allowed()) {
                context.reply(r, true, Map.of("error", "Unauthorized"));
                return new Verdict(error(version, stream, UNAUTHORIZED,
                        "Request Unauthorized: " + s.action() + " on " + (s.table().isEmpty() ? "-" : s.table())
                                + " is denied by policy", null), false);
            }
        }
        if (opcode == PREPARE) preparing.put(stream, statements);
        if (statements.stream().anyMatch(s -> s.action().equals("use"))) usesInFlight.add(stream);
        return Verdict.PASS;
    }

    private static L7Request.Generic request(String action, String table) {
        return new L7Request.Generic("cassandra", Map.of("query_action", action, "query_table", table));
    }

    /** The keyspace a v5 QUERY names in its parameters, else the session's. */
    private String queryKeyspace(ByteBuffer body, int version) {
        if (version < 5) return keyspace;
        ByteBuffer b = body.duplicate();
        b.getShort();
        int flags = b.getInt();
        if ((flags & 0x80) == 0) return keyspace;
        if ((flags & 0x01) != 0) {
            int n = b.getShort() & 0xffff;
            for (int i = 0; i < n; i++) {
                if ((flags & 0x40) != 0) string(b);
                skipValue(b);
            }
        }
        if ((flags & 0x04) != 0) b.getInt();
        if ((flags & 0x08) != 0) skipValue(b);
        if ((flags & 0x10) != 0) b.getShort();
        if ((flags & 0x20) != 0) b.getLong();
        return string(b);
    }

    private boolean needsReading(int opcode, int stream) {
        return (opcode == RESULT || opcode == ERROR) && (preparing.containsKey(stream) || usesInFlight.contains(stream));
    }

    /** Learns prepared ids and the session keyspace from the server's results. */
    private void observeReply(ByteBuffer b, int p) {
        int stream = b.getShort(p + 2);
        int opcode = b.get(p + 4) & 0xff;
        List<CqlStatement> statements = preparing.remove(stream);
        usesInFlight.remove(stream);
        if (opcode != RESULT) return;
        ByteBuffer body = b.duplicate().position(p + HEADER).limit(p + HEADER + b.getInt(p + 5)).slice();
        int kind = body.getInt();
        if (kind == 3) keyspace = string(body).toLowerCase(java.util.Locale.ROOT);
        if (kind == 4 && statements != null) prepared.learn(shortBytes(body), statements);
    }

    static byte[] error(int requestVersion, int stream, int code, String message, byte[] id) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        int body = 4 + 2 + m.length + (id == null ? 0 : 2 + id.length);
        ByteBuffer b = ByteBuffer.allocate(HEADER + body);
        b.put((byte) (0x80 | requestVersion)).put((byte) 0).putShort((short) stream).put((byte) ERROR).putInt(body);
        b.putInt(code).putShort((short) m.length).put(m);
        if (id != null) b.putShort((short) id.length).put(id);
        return b.array();
    }

    /**
     * Cassandra's answer to a version it does not speak: stream 0 (the request's stream id is not read), in the
     * client's own header layout for v1 and v2, which it may still parse, else in the highest version spoken here.
     */
    static byte[] unsupportedVersion(int requestVersion) {
        byte[] m = ("Invalid or unsupported protocol version (" + requestVersion + "); supported versions are (3/v3, 4/v4, 5/v5)")
                .getBytes(StandardCharsets.UTF_8);
        boolean oneByteStream = requestVersion == 1 || requestVersion == 2;
        int body = 4 + 2 + m.length;
        ByteBuffer b = ByteBuffer.allocate((oneByteStream ? HEADER - 1 : HEADER) + body);
        b.put((byte) (0x80 | (oneByteStream ? requestVersion : MAX_VERSION))).put((byte) 0);
        if (oneByteStream) b.put((byte) 0);
        else b.putShort((short) 0);
        b.put((byte) ERROR).putInt(body).putInt(PROTOCOL_ERROR).putShort((short) m.length).put(m);
        return b.array();
    }

    // ---- protocol value readers ---------------------------------------------------------------------------

    private static String longString(ByteBuffer b) throws Refused {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw new Refused("CQL long string of " + n + " bytes in a shorter body");
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.getShort() & 0xffff];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static byte[] shortBytes(ByteBuffer b) {
        byte[] s = new byte[b.getShort() & 0xffff];
        b.get(s);
        return s;
    }

    private static void skipValue(ByteBuffer b) {
        int n = b.getInt();
        if (n > 0) b.position(b.position() + n);
    }

    private static Map<String, String> stringMap(ByteBuffer b) {
        Map<String, String> m = new HashMap<>();
        int n = b.getShort() & 0xffff;
        for (int i = 0; i < n; i++) m.put(string(b), string(b));
        return m;
    }

    private static byte[] bytes(ByteBuffer b, int at, int n) {
        byte[] out = new byte[n];
        b.get(at, out);
        return out;
    }
}
