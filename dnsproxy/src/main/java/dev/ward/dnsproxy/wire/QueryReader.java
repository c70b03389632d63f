package dev.ward.dnsproxy.wire;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.io.IOException;

/**
 * Reads a pod's query from its bytes and decides what a bad one gets: nothing (unparseable bytes, a response sent
 * as a query: answering those would make the proxy a reflector) or a header-only error answer when the header is
 * sound but the request is not one the proxy serves.
 */
public final class QueryReader {
    /** The answer to a rejected query, or null to drop it, and why. */
    public record Rejection(MessageProblem problem, byte[] reply) {}

    /** Exactly one of query and rejection is set. */
    public record Result(DnsQuery query, Rejection rejection) {
        public boolean accepted() {
            return query != null;
        }
    }

    private final int maxQueryBytes;

    public QueryReader(int maxQueryBytes) {
        if (maxQueryBytes < Header.LENGTH) throw new IllegalArgumentException("maxQueryBytes must be at least 12: " + maxQueryBytes);
        this.maxQueryBytes = maxQueryBytes;
    }

    public Result read(byte[] wire) {
        if (wire.length < Header.LENGTH) return drop(MessageProblem.TRUNCATED_HEADER);
        if (wire.length > maxQueryBytes) return drop(MessageProblem.OVERSIZED);
        boolean qr = (wire[2] & 0x80) != 0;
        if (qr) return drop(MessageProblem.NOT_A_QUERY);
        int opcode = (wire[2] >> 3) & 0xF;
        if (opcode != Opcode.QUERY) return reject(MessageProblem.UNSUPPORTED_OPCODE, wire, Rcode.NOTIMP);
        int qdcount = ((wire[4] & 0xFF) << 8) | (wire[5] & 0xFF);
        if (qdcount != 1) return reject(MessageProblem.QUESTION_COUNT, wire, Rcode.FORMERR);
        Message m;
        try {
            m = new Message(wire);
        } catch (IOException | RuntimeException e) {
            // dnsjava throws WireParseException for bad wire data, but the fuzz test also found runtime exceptions
            // from record parsers; either way the message is not one we can reason about.
            return drop(MessageProblem.MALFORMED);
        }
        Record q = m.getQuestion();
        if (q == null) return drop(MessageProblem.MALFORMED);
        if (q.getDClass() != DClass.IN) return reject(MessageProblem.UNSUPPORTED_CLASS, wire, Rcode.REFUSED);
        if (m.numBytes() != wire.length) return drop(MessageProblem.TRAILING_BYTES);
        return new Result(new DnsQuery(m.getHeader().getID(), q.getName(), q.getType(), q.getDClass(),
                m.getOPT() != null, wire), null);
    }

    private static Result drop(MessageProblem p) {
        return new Result(null, new Rejection(p, null));
    }

    /** A header-only answer: the request's id, opcode and RD, QR set, no sections (its question may be the problem). */
    private static Result reject(MessageProblem p, byte[] wire, int rcode) {
        Header h = new Header(((wire[0] & 0xFF) << 8) | (wire[1] & 0xFF));
        h.setFlag(Flags.QR);
        h.setOpcode((wire[2] >> 3) & 0xF);
        if ((wire[2] & 0x01) != 0) h.setFlag(Flags.RD);
        h.setRcode(rcode);
        return new Result(null, new Rejection(p, h.toWire()));
    }
}
