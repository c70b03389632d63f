package dev.ward.dnsproxy.wire;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** Answers the proxy writes itself (a refusal, a failure): the query's id and question, RD echoed, RA set. */
public final class LocalAnswers {
    /** What the proxy advertises in its own EDNS answers (the DNS flag day's recommended size). */
    static final int EDNS_PAYLOAD = 1232;

    private LocalAnswers() {}

    public static byte[] withRcode(DnsQuery query, int rcode) {
        Message m = new Message(query.id());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RA);
        if ((query.wire()[2] & 0x01) != 0) m.getHeader().setFlag(Flags.RD);
        m.getHeader().setRcode(rcode);
        m.addRecord(Record.newRecord(query.name(), query.type(), query.dclass()), Section.QUESTION);
        if (query.edns()) m.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        return m.toWire();
    }
}
