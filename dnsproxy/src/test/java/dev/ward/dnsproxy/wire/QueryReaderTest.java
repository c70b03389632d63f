package dev.ward.dnsproxy.wire;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryReaderTest {
    final QueryReader reader = new QueryReader(512);

    static byte[] query(String name, int type) throws Exception {
        return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)).toWire();
    }

    @Test
    void aStandardQueryIsRead() throws Exception {
        byte[] w = query("WWW.Example.com.", Type.AAAA);
        QueryReader.Result r = reader.read(w);
        assertTrue(r.accepted());
        assertEquals("www.example.com", r.query().qname(), "lower case, no root dot");
        assertEquals("AAAA", r.query().typeName());
        assertEquals(WireIds.id(w), r.query().id());
    }

    @Test
    void truncatedOversizedAndUnparseableMessagesAreDropped() throws Exception {
        assertEquals(MessageProblem.TRUNCATED_HEADER, reader.read(new byte[5]).rejection().problem());
        assertEquals(MessageProblem.OVERSIZED, reader.read(new byte[513]).rejection().problem());
        byte[] w = query("www.example.com.", Type.A);
        QueryReader.Result cut = reader.read(Arrays.copyOf(w, w.length - 3));
        assertEquals(MessageProblem.MALFORMED, cut.rejection().problem());
        assertNull(cut.rejection().reply(), "an unparseable message gets no answer");
    }

    @Test
    void aCompressionLoopIsMalformedNotAHang() throws Exception {
        // Header with one question whose name is a pointer to itself (offset 12).
        byte[] w = new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xC0, 12, 0, 1, 0, 1};
        assertEquals(MessageProblem.MALFORMED, reader.read(w).rejection().problem());
        // Two pointers pointing at each other.
        byte[] two = new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', (byte) 0xC0, 16, (byte) 0xC0, 12, 0, 1, 0, 1};
        assertEquals(MessageProblem.MALFORMED, reader.read(two).rejection().problem());
    }

    @Test
    void responsesAreNeverAnsweredSoTheProxyReflectsNothing() throws Exception {
        Message m = new Message(query("www.example.com.", Type.A));
        m.getHeader().setFlag(Flags.QR);
        QueryReader.Result r = reader.read(m.toWire());
        assertEquals(MessageProblem.NOT_A_QUERY, r.rejection().problem());
        assertNull(r.rejection().reply());
    }

    @Test
    void otherOpcodesAndQuestionCountsGetAHeaderOnlyError() throws Exception {
        Message notify = new Message(query("example.com.", Type.SOA));
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        QueryReader.Result r = reader.read(notify.toWire());
        assertEquals(MessageProblem.UNSUPPORTED_OPCODE, r.rejection().problem());
        Message reply = new Message(r.rejection().reply());
        assertEquals(Rcode.NOTIMP, reply.getRcode());
        assertEquals(notify.getHeader().getID(), reply.getHeader().getID());

        Message none = new Message();
        none.setHeader(new Header(7));
        QueryReader.Result r0 = reader.read(none.toWire());
        assertEquals(MessageProblem.QUESTION_COUNT, r0.rejection().problem());
        assertEquals(Rcode.FORMERR, new Message(r0.rejection().reply()).getRcode());
    }

    @Test
    void trailingBytesAreNotForwarded() throws Exception {
        byte[] w = query("www.example.com.", Type.A);
        assertEquals(MessageProblem.TRAILING_BYTES, reader.read(Arrays.copyOf(w, w.length + 4)).rejection().problem());
    }
}
