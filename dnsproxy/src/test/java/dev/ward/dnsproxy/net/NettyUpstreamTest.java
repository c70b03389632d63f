package dev.ward.dnsproxy.net;

import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.proxy.Transport;
import dev.ward.dnsproxy.proxy.UpstreamAnswer;
import dev.ward.dnsproxy.proxy.UpstreamFailure;
import dev.ward.dnsproxy.wire.DnsQuery;
import dev.ward.dnsproxy.wire.QueryReader;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream client against a misbehaving server on loopback: garbage, an answer with another id, an answer to
 * another question, then the real answer. Only the real one counts; the rest are discarded and counted.
 */
class NettyUpstreamTest {
    ProxyEventLoops loops;
    NettyUpstream upstream;
    PrometheusRegistry registry;
    DatagramSocket server;

    @BeforeEach
    void up() throws Exception {
        loops = new ProxyEventLoops(1, null);
        registry = new PrometheusRegistry();
        upstream = new NettyUpstream(loops, new DnsProxyMetrics(registry, () -> 0), Duration.ofMillis(1500), 2);
        upstream.start();
        server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.setSoTimeout(3000);
    }

    @AfterEach
    void down() {
        upstream.close();
        loops.close();
        server.close();
    }

    static DnsQuery query(String name) throws Exception {
        return new QueryReader(512).read(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)).toWire()).query();
    }

    static byte[] answer(int id, String name) throws Exception {
        Message m = new Message(id);
        m.getHeader().setFlag(Flags.QR);
        m.addRecord(Record.newRecord(Name.fromString(name), Type.A, DClass.IN), Section.QUESTION);
        m.addRecord(new ARecord(Name.fromString(name), DClass.IN, 60, InetAddress.getByName("192.0.2.44")), Section.ANSWER);
        return m.toWire();
    }

    double discarded(String reason) {
        for (MetricSnapshot s : registry.scrape()) {
            if (s instanceof CounterSnapshot c && c.getMetadata().getName().equals("ward_dns_upstream_discarded")) {
                for (var d : c.getDataPoints()) if (reason.equals(d.getLabels().get("reason"))) return d.getValue();
            }
        }
        return 0;
    }

    @Test
    void onlyTheRealAnswerCountsWhateverCameBefore() throws Exception {
        DnsQuery q = query("www.example.test.");
        CompletableFuture<UpstreamAnswer> f = upstream.exchange((InetSocketAddress) server.getLocalSocketAddress(), Transport.UDP, q);
        DatagramPacket in = new DatagramPacket(new byte[512], 512);
        server.receive(in);
        int id = ((in.getData()[0] & 0xFF) << 8) | (in.getData()[1] & 0xFF);
        InetSocketAddress client = (InetSocketAddress) in.getSocketAddress();
        byte[] garbage = {(byte) (id >> 8), (byte) id, (byte) 0x81, 0, 0, 1, 0, 1, 0, 0, 0, 0, 9, 9, 9};
        server.send(new DatagramPacket(garbage, garbage.length, client));
        byte[] otherId = answer((id + 1) & 0xFFFF, "www.example.test.");
        server.send(new DatagramPacket(otherId, otherId.length, client));
        byte[] otherQuestion = answer(id, "bank.example.test.");
        server.send(new DatagramPacket(otherQuestion, otherQuestion.length, client));
        byte[] real = answer(id, "www.example.test.");
        server.send(new DatagramPacket(real, real.length, client));
        UpstreamAnswer a = f.get();
        assertEquals("www.example.test.", a.message().getQuestion().getName().toString());
        assertEquals(1, discarded("garbage"));
        assertEquals(1, discarded("unknown_id"));
        assertEquals(1, discarded("mismatch"));
    }

    @Test
    void aSilentServerTimesOutAndTheClientStaysUsable() throws Exception {
        CompletableFuture<UpstreamAnswer> f = upstream.exchange((InetSocketAddress) server.getLocalSocketAddress(), Transport.UDP, query("a.example.test."));
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof UpstreamFailure u && u.reason().equals("timeout"), e.toString());
        // The same client still works afterwards.
        CompletableFuture<UpstreamAnswer> g = upstream.exchange((InetSocketAddress) server.getLocalSocketAddress(), Transport.UDP, query("b.example.test."));
        DatagramPacket in = new DatagramPacket(new byte[512], 512);
        server.receive(in);
        while (new Message(java.util.Arrays.copyOf(in.getData(), in.getLength())).getQuestion().getName().toString().startsWith("a.")) server.receive(in);
        int id = ((in.getData()[0] & 0xFF) << 8) | (in.getData()[1] & 0xFF);
        byte[] real = answer(id, "b.example.test.");
        server.send(new DatagramPacket(real, real.length, in.getSocketAddress()));
        assertEquals("b.example.test.", g.get().message().getQuestion().getName().toString());
    }
}
