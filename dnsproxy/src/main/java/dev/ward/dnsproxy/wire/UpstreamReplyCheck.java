package dev.ward.dnsproxy.wire;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;

import java.io.IOException;

/**
 * Whether bytes that arrived from the upstream server with a pending query's id answer that query: a response, to a
 * standard query, with the same question (names compared without case, as 0x20 randomising servers expect). Anything
 * else is not the answer: garbage, a late answer to another query that reused the id, or a forgery.
 */
public final class UpstreamReplyCheck {
    /** Exactly one of answer and problem is set. */
    public record Result(Message answer, String problem) {
        public boolean ok() {
            return answer != null;
        }
    }

    private UpstreamReplyCheck() {}

    public static Result check(DnsQuery query, byte[] reply, int maxReplyBytes) {
        if (reply.length < 12) return fail("shorter than a DNS header");
        if (reply.length > maxReplyBytes) return fail("longer than " + maxReplyBytes + " bytes");
        Message m;
        try {
            m = new Message(reply);
        } catch (IOException | RuntimeException e) {
            return fail("does not parse: " + e.getMessage());
        }
        if (!m.getHeader().getFlag(Flags.QR)) return fail("is not a response");
        if (m.getHeader().getOpcode() != Opcode.QUERY) return fail("has opcode " + Opcode.string(m.getHeader().getOpcode()));
        Record q = m.getQuestion();
        if (q == null) return fail("has no question");
        if (m.getHeader().getCount(org.xbill.DNS.Section.QUESTION) != 1) return fail("has more than one question");
        if (!q.getName().equals(query.name()) || q.getType() != query.type() || q.getDClass() != query.dclass()) {
            return fail("answers another question (" + q.getName() + " " + org.xbill.DNS.Type.string(q.getType()) + ")");
        }
        return new Result(m, null);
    }

    private static Result fail(String why) {
        return new Result(null, why);
    }
}
