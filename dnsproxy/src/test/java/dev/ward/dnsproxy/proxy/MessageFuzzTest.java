package dev.ward.dnsproxy.proxy;

import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.testing.AgentSide;
import dev.ward.dnsproxy.testing.FakeUpstream;
import dev.ward.dnsproxy.testing.RecordingDatapath;
import dev.ward.dnsproxy.wire.DnsQuery;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.FqdnPattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and mutated messages, both as pods' queries and as upstream answers, through the whole pipeline with a real
 * engine. Whatever the bytes: every query gets an answer or nothing within its bounds (no exception, no hang), no
 * query the rules refuse reaches upstream, and the engine learns nothing for a name the rules did not admit, nor any
 * address that was not in an answer that passed the reply check.
 */
class MessageFuzzTest {
    static final FqdnPattern ADMITTED = FqdnPattern.matchPattern("*.allowed.test");
    static final long SEED = Long.getLong("fuzz.seed", 20261202L);
    static final int ROUNDS = Integer.getInteger("fuzz.rounds", 4000);

    AgentSide agent;
    RecordingDatapath datapath;
    FakeUpstream upstream;
    QueryProcessor processor;
    final SplittableRandom random = new SplittableRandom(SEED);
    final List<String> badForwards = new ArrayList<>();
    /** Every address in an answer that passed the reply check: the only ones that may ever be learned. */
    final java.util.Set<InetAddress> carried = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeEach
    void setUp() throws Exception {
        datapath = new RecordingDatapath();
        agent = new AgentSide(datapath, null, EngineFqdnLearner.Settings.DEFAULT, OpenConnections.NONE);
        Identity client = AgentSide.pod(300, "app=client");
        agent.setUp(QueryProcessorTest.POLICY, List.of(client),
                List.of(new AgentSide.EndpointSpec("default/client", client, List.of(QueryProcessorTest.POD.getAddress()))));
        upstream = new FakeUpstream(q -> {
            if (!ADMITTED.matches(q.qname()) && !q.qname().equals("exact.other.test")) badForwards.add(q.qname());
            byte[] answer = mutatedAnswer(q);
            var check = dev.ward.dnsproxy.wire.UpstreamReplyCheck.check(q, answer, 65535);
            if (check.ok()) {
                for (Record r : check.answer().getSection(Section.ANSWER)) {
                    if (r instanceof ARecord a) carried.add(a.getAddress());
                    if (r instanceof AAAARecord a) carried.add(a.getAddress());
                }
            }
            return FakeUpstream.bytes(q, answer);
        });
        processor = new QueryProcessor(agent.host.rules(), upstream, agent.host.learner(), agent.events::add, agent.metrics,
                ProxySettings.DEFAULT.withRateLimit(0, 0), Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        agent.close();
    }

    byte[] validQuery() throws Exception {
        String[] names = {"www.allowed.test.", "evil.test.", "a.b.allowed.test.", "exact.other.test.", "allowed.test.", "x.allowed.test."};
        int[] types = {Type.A, Type.AAAA, Type.ANY, Type.TXT, Type.CNAME};
        Message m = Message.newQuery(Record.newRecord(Name.fromString(names[random.nextInt(names.length)]), types[random.nextInt(types.length)], DClass.IN));
        return m.toWire();
    }

    byte[] mutate(byte[] in) {
        byte[] b = in.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && b.length > 0; i++) {
            switch (random.nextInt(4)) {
                case 0 -> b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                case 1 -> b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                case 2 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
                default -> {
                    // A compression pointer somewhere, possibly to itself or forward.
                    if (b.length > 13) {
                        int at = 12 + random.nextInt(b.length - 13);
                        b[at] = (byte) (0xC0 | random.nextInt(4));
                        b[at + 1] = (byte) random.nextInt(256);
                    }
                }
            }
        }
        return b;
    }

    byte[] mutatedAnswer(DnsQuery q) {
        try {
            Message m = new Message(q.id());
            m.getHeader().setFlag(Flags.QR);
            m.addRecord(Record.newRecord(q.name(), q.type(), q.dclass()), Section.QUESTION);
            Name cdn = Name.fromString("edge.cdn.test.");
            m.addRecord(new CNAMERecord(q.name(), DClass.IN, 60, cdn), Section.ANSWER);
            m.addRecord(new ARecord(cdn, DClass.IN, 60, InetAddress.getByName("192.0.2." + random.nextInt(1, 250))), Section.ANSWER);
            m.addRecord(new AAAARecord(q.name(), DClass.IN, 60, InetAddress.getByName("2001:db8::" + Integer.toHexString(random.nextInt(1, 65535)))), Section.ANSWER);
            byte[] w = m.toWire();
            return random.nextInt(3) == 0 ? w : mutate(w);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void randomAndMutatedMessagesNeverOpenPolicy() throws Exception {
        InetSocketAddress from = QueryProcessorTest.POD;
        for (int i = 0; i < ROUNDS; i++) {
            byte[] wire = switch (random.nextInt(3)) {
                case 0 -> {
                    byte[] r = new byte[random.nextInt(0, 80)];
                    for (int j = 0; j < r.length; j++) r[j] = (byte) random.nextInt(256);
                    yield r;
                }
                case 1 -> mutate(validQuery());
                default -> validQuery();
            };
            Reply r = processor.handle(new QueryOrigin(from, QueryProcessorTest.DNS, Transport.UDP), wire).get(5, TimeUnit.SECONDS);
            if (r != null) new Message(r.wire());
        }
        assertEquals(List.of(), badForwards, "refused names reached upstream (seed " + SEED + ")");
        // Every name the engine holds addresses for was admitted by the rules.
        for (var id : agent.on(() -> agent.engine.identities())) {
            for (String n : id.fqdnNames()) {
                assertTrue(ADMITTED.matches(n) || n.equals("exact.other.test"), "learned an address for " + n + " (seed " + SEED + ")");
            }
            if (id.prefix() != null && id.prefix().isHost() && !id.fqdnNames().isEmpty()) {
                assertTrue(carried.contains(id.prefix().address()), "learned " + id.prefix() + ", which no accepted answer carried");
            }
        }
        assertTrue(upstream.asked.size() > ROUNDS / 10, "the fuzz should also reach upstream (" + upstream.asked.size() + ")");
    }

}
