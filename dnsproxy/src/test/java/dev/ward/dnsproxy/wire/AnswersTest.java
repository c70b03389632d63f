package dev.ward.dnsproxy.wire;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an answer teaches (addresses through the CNAME chain) and which upstream messages count as the answer. */
class AnswersTest {
    static Name n(String s) throws Exception {
        return Name.fromString(s);
    }

    static DnsQuery query(String name, int type) throws Exception {
        byte[] w = Message.newQuery(Record.newRecord(n(name), type, DClass.IN)).toWire();
        return new QueryReader(512).read(w).query();
    }

    static Message answer(DnsQuery q, Record... records) {
        Message m = new Message(q.id());
        m.getHeader().setFlag(Flags.QR);
        m.addRecord(Record.newRecord(q.name(), q.type(), q.dclass()), Section.QUESTION);
        for (Record r : records) m.addRecord(r, Section.ANSWER);
        return m;
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void addressesComeThroughTheChainAndOthersAreIgnored() throws Exception {
        DnsQuery q = query("www.example.com.", Type.A);
        Message m = answer(q,
                new CNAMERecord(n("www.example.com."), DClass.IN, 300, n("edge.cdn.net.")),
                new CNAMERecord(n("edge.cdn.net."), DClass.IN, 120, n("e1.cdn.net.")),
                new ARecord(n("e1.cdn.net."), DClass.IN, 60, ip("192.0.2.1")),
                new AAAARecord(n("e1.cdn.net."), DClass.IN, 90, ip("2001:db8::1")),
                // Not on the chain: an upstream (or a forger) cannot make the proxy learn this for www.example.com.
                new ARecord(n("bank.example.org."), DClass.IN, 300, ip("203.0.113.9")));
        ResolvedAddresses r = AnswerAddresses.extract(q, m);
        assertEquals(List.of(ip("192.0.2.1"), ip("2001:db8::1")), r.addresses());
        assertEquals(List.of("edge.cdn.net", "e1.cdn.net"), r.cnames());
        assertEquals(60, r.ttlSeconds());
    }

    @Test
    void aCnameLoopEndsAndTeachesNothingBeyondIt() throws Exception {
        DnsQuery q = query("a.example.", Type.A);
        Message m = answer(q,
                new CNAMERecord(n("a.example."), DClass.IN, 300, n("b.example.")),
                new CNAMERecord(n("b.example."), DClass.IN, 300, n("a.example.")),
                new ARecord(n("b.example."), DClass.IN, 300, ip("192.0.2.7")));
        ResolvedAddresses r = AnswerAddresses.extract(q, m);
        assertEquals(List.of(ip("192.0.2.7")), r.addresses());
    }

    @Test
    void errorsAndUnusableAddressesTeachNothing() throws Exception {
        DnsQuery q = query("x.example.", Type.A);
        Message nx = answer(q, new ARecord(n("x.example."), DClass.IN, 300, ip("192.0.2.8")));
        nx.getHeader().setRcode(Rcode.NXDOMAIN);
        assertTrue(AnswerAddresses.extract(q, nx).isEmpty());
        Message zero = answer(q, new ARecord(n("x.example."), DClass.IN, 300, ip("0.0.0.0")),
                new ARecord(n("x.example."), DClass.IN, 300, ip("224.0.0.1")));
        assertTrue(AnswerAddresses.extract(q, zero).isEmpty());
    }

    @Test
    void onlyAResponseToTheSameQuestionIsTheAnswer() throws Exception {
        DnsQuery q = query("www.example.com.", Type.A);
        assertTrue(UpstreamReplyCheck.check(q, answer(q).toWire(), 65535).ok());
        // Case differs (0x20): still the same question.
        Message upper = answer(query("WWW.EXAMPLE.COM.", Type.A));
        assertTrue(UpstreamReplyCheck.check(q, upper.toWire(), 65535).ok());
        assertFalse(UpstreamReplyCheck.check(q, answer(query("www.example.org.", Type.A)).toWire(), 65535).ok());
        assertFalse(UpstreamReplyCheck.check(q, answer(query("www.example.com.", Type.AAAA)).toWire(), 65535).ok());
        assertFalse(UpstreamReplyCheck.check(q, q.wire(), 65535).ok(), "a query is not an answer");
        UpstreamReplyCheck.Result garbage = UpstreamReplyCheck.check(q, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, 65535);
        assertFalse(garbage.ok());
        assertTrue(garbage.problem().startsWith("does not parse") || garbage.problem().contains("not a response"), garbage.problem());
    }

    @Test
    void localAnswersKeepIdQuestionAndEdns() throws Exception {
        Message withOpt = Message.newQuery(Record.newRecord(n("q.example."), Type.A, DClass.IN));
        withOpt.addRecord(new org.xbill.DNS.OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        DnsQuery q = new QueryReader(512).read(withOpt.toWire()).query();
        Message r = new Message(LocalAnswers.withRcode(q, Rcode.REFUSED));
        assertEquals(Rcode.REFUSED, r.getRcode());
        assertEquals(q.id(), r.getHeader().getID());
        assertEquals(q.name(), r.getQuestion().getName());
        assertTrue(r.getHeader().getFlag(Flags.QR) && r.getHeader().getFlag(Flags.RD));
        assertEquals(LocalAnswers.EDNS_PAYLOAD, r.getOPT().getPayloadSize());
    }
}
