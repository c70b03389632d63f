package dev.ward.lab;

import dev.ward.policy.store.KvPolicyStore;
import dev.ward.store.kv.EtcdKv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The policies of the lab's policy scenarios, written into the lab's etcd where every agent reads them from: the
 * Star Wars policies of Cilium's getting-started guide as its docs print them (the policy module's golden files of
 * the same name), kept verbatim under {@code resources/dev/ward/lab/policies/}.
 */
public final class LabPolicies implements AutoCloseable {
    /** {@code rule1}: only {@code org=empire} may reach {@code org=empire,class=deathstar} on 80/TCP. */
    public static final Policy RULE1 = new Policy("rule1", "sw-l3-l4.yaml");
    /** {@code empire-default-deny}: every {@code org=empire} pod's ingress is default-deny, and nothing is allowed by it. */
    public static final Policy EMPIRE_DEFAULT_DENY = new Policy("empire-default-deny", "sw-deny.yaml");
    /** {@code rule1} made L7, replacing the L3/L4 one as the guide does: only {@code POST /v1/request-landing} from org=empire. */
    public static final Policy RULE1_L7 = new Policy("rule1", "sw-l3-l4-l7.yaml");
    /** The seed post's memcached policy: fleet maintenance writes and reads {@code alliance/fleet/}, monitoring only reads. */
    public static final Policy MEMCACHED = new Policy("secure-rebel-alliance-memcache", "004-memcached.yaml");
    /** Cilium's Kafka guide: empire-hq produces two topics, the outpost consumes empire-announce, the backup deathstar-plans. */
    public static final Policy KAFKA = new Policy("secure-empire-kafka", "tutorial-kafka.yaml");
    /** The seed post's Cassandra policy, misprint and all: the outpost reads system tables and inserts attendance. */
    public static final Policy CASSANDRA = new Policy("secure-empire-cassandra", "004-cassandra.yaml");

    /**
     * The seed post's {@code egress-domain-wildcard}: {@code app=myService} may look up only {@code *.domain.com} at
     * kube-dns, and reach on 443/TCP only the addresses those lookups returned.
     */
    public static final Policy EGRESS_DOMAIN_WILDCARD = new Policy("egress-domain-wildcard", "000-egress-domain-wildcard.yaml");

    /**
     * The seed post's Kafka behind a DNS name, as printed: {@code app=empire-hq} may produce to two topics and
     * {@code app=outpost} consume one, on whatever {@code kafka.mycorp.com} resolves to.
     */
    public static final Policy KAFKA_BEHIND_DNS = new Policy("kafka-behind-dns", "002-kafka-behind-dns.yaml");
    /** The lookups {@link #KAFKA_BEHIND_DNS} stands on: its apps may ask kube-dns for {@code kafka.mycorp.com} only. */
    public static final Policy KAFKA_DNS_LOOKUPS = new Policy("kafka-dns-lookups", "kafka-dns-lookups.yaml");

    public record Policy(String name, String file) {
        public String yaml() throws IOException {
            try (InputStream in = LabPolicies.class.getResourceAsStream("policies/" + file)) {
                if (in == null) throw new IOException("the lab's policy " + file + " is missing from its class path");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    private final EtcdKv kv;
    private final KvPolicyStore store;

    public LabPolicies(String etcdEndpoint) {
        this.kv = new EtcdKv(etcdEndpoint);
        this.store = new KvPolicyStore(kv, KvPolicyStore.DEFAULT_PREFIX);
    }

    /**
     * Writes {@code p} as a CiliumNetworkPolicy of namespace default and returns once etcd has it; returns
     * {@link System#nanoTime()} when the write was sent, which the scenarios measure from (agents may see the write in
     * their watch before the writer has etcd's answer, so the answer's time would flatter them).
     */
    public long put(Policy p) throws IOException {
        String yaml = p.yaml();
        long sent = System.nanoTime();
        store.put("CiliumNetworkPolicy", "default", p.name(), yaml);
        return sent;
    }

    /** Deletes {@code p} and returns once etcd has the deletion; returns when it was sent, as {@link #put}. */
    public long delete(Policy p) {
        long sent = System.nanoTime();
        store.delete("CiliumNetworkPolicy", "default", p.name());
        return sent;
    }

    @Override
    public void close() {
        kv.close();
    }
}
