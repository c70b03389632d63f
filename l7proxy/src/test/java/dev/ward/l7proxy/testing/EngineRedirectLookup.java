package dev.ward.l7proxy.testing;

import dev.ward.l7proxy.policy.RedirectLookup;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.ClusterIdentityAllocator;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.identity.InMemoryIdentityBackend;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.trace.WorkloadLabels;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy's rule lookup answered by a real policy engine with real policies, as the agent will answer it: pods
 * get cluster identities from their labels, local pods become endpoints, and verdicts come from the endpoints'
 * tables. Changes are synchronized (the engine is single-threaded); lookups read published immutable table
 * snapshots, as the proxy asks from its event loops on every request.
 */
public final class EngineRedirectLookup implements RedirectLookup {
    private final PolicyEngine engine = new PolicyEngine("default");
    private final ClusterIdentityAllocator allocator = new ClusterIdentityAllocator(new InMemoryIdentityBackend(),
            "l7-test", 0, IdentityLabelFilter.DEFAULT);
    private final Map<InetAddress, Identity> byAddress = new HashMap<>();
    private final Map<InetAddress, String> endpoints = new HashMap<>();
    /** Tables as the agent would publish them: immutable snapshots, replaced on every change. */
    private volatile Map<String, VerdictTable> tables = Map.of();

    /** A lookup with the policies of {@code yaml} (which must parse without errors). */
    public static EngineRedirectLookup withPolicies(String yaml) {
        EngineRedirectLookup l = new EngineRedirectLookup();
        l.apply(yaml);
        return l;
    }

    public synchronized void apply(String yaml) {
        List<ParsedDocument> docs = new PolicyParser().parse(yaml, "test.yaml");
        for (ParsedDocument d : docs) {
            if (!d.errors().isEmpty()) throw new IllegalArgumentException("policy does not parse: " + d.errors());
            if (d.policy() == null) continue;
            var delta = engine.upsertPolicy(d.policy());
            if (!delta.rejected().isEmpty()) throw new IllegalArgumentException("rejected: " + delta.rejected());
        }
        publish();
    }

    private void publish() {
        Map<String, VerdictTable> t = new HashMap<>();
        for (String name : engine.endpointNames()) t.put(name, engine.table(name));
        tables = Map.copyOf(t);
    }

    /** A pod at {@code ip} with k8s labels like {@code app=memcached,role=x}; local pods are policy endpoints. */
    public synchronized Identity pod(String ip, String labels, boolean local) {
        LabelSet set = WorkloadLabels.complete(LabelSet.parse(labels, LabelSource.K8S), "default");
        Identity id = allocator.acquire(set);
        Identity filtered = Identity.of(id.id(), IdentityLabelFilter.DEFAULT.filter(set));
        engine.upsertIdentity(Identity.of(id.id(), id.labels()));
        InetAddress a = address(ip);
        byAddress.put(a, id);
        if (local) {
            String name = "pod-" + ip;
            engine.upsertEndpoint(new LocalEndpoint(name, filtered));
            endpoints.put(a, name);
        }
        publish();
        return id;
    }

    /** The DNS proxy saw {@code name} resolve to {@code ip}: toFQDNs selectors now match it. */
    public synchronized void learnFqdn(String name, String ip) {
        engine.learnFqdn(name, List.of(address(ip)));
        publish();
    }

    @Override
    public synchronized int identity(InetAddress address) {
        Identity id = byAddress.get(address);
        if (id != null) return id.id();
        return engine.identityForAddress(address).id();
    }

    @Override
    public Verdict verdict(InetAddress endpoint, Direction direction, int remoteIdentity, int port) {
        String name;
        synchronized (this) {
            name = endpoints.get(endpoint);
        }
        VerdictTable table = name == null ? null : tables.get(name);
        return table == null ? null : table.lookup(direction, remoteIdentity, Protocol.TCP, port).verdict();
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }
}
