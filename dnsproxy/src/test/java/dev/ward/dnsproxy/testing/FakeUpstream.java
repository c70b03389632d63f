package dev.ward.dnsproxy.testing;

import dev.ward.dnsproxy.proxy.Transport;
import dev.ward.dnsproxy.proxy.Upstream;
import dev.ward.dnsproxy.proxy.UpstreamAnswer;
import dev.ward.dnsproxy.proxy.UpstreamFailure;
import dev.ward.dnsproxy.wire.DnsQuery;
import dev.ward.dnsproxy.wire.UpstreamReplyCheck;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** An upstream in-process: answers from a function of the query, and remembers every query that reached it. */
public final class FakeUpstream implements Upstream {
    public final List<DnsQuery> asked = new CopyOnWriteArrayList<>();
    private volatile Function<DnsQuery, CompletableFuture<UpstreamAnswer>> behaviour;

    public FakeUpstream(Function<DnsQuery, CompletableFuture<UpstreamAnswer>> behaviour) {
        this.behaviour = behaviour;
    }

    public void behave(Function<DnsQuery, CompletableFuture<UpstreamAnswer>> b) {
        this.behaviour = b;
    }

    @Override
    public CompletableFuture<UpstreamAnswer> exchange(InetSocketAddress server, Transport transport, DnsQuery query) {
        asked.add(query);
        return behaviour.apply(query);
    }

    /** An answer to {@code q} with {@code records} in its answer section, passed through the real reply check. */
    public static CompletableFuture<UpstreamAnswer> answer(DnsQuery q, Record... records) {
        Message m = new Message(q.id());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RA);
        m.addRecord(Record.newRecord(q.name(), q.type(), q.dclass()), Section.QUESTION);
        for (Record r : records) m.addRecord(r, Section.ANSWER);
        return bytes(q, m.toWire());
    }

    /** Whatever bytes came back, as the real upstream client would judge them. */
    public static CompletableFuture<UpstreamAnswer> bytes(DnsQuery q, byte[] wire) {
        UpstreamReplyCheck.Result c = UpstreamReplyCheck.check(q, wire, 65535);
        return c.ok() ? CompletableFuture.completedFuture(new UpstreamAnswer(c.answer(), wire))
                : CompletableFuture.failedFuture(new UpstreamFailure("timeout", "only a bad answer came: " + c.problem()));
    }
}
