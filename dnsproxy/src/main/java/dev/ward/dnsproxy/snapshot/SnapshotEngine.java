package dev.ward.dnsproxy.snapshot;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.parse.PolicyProblem;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a policy engine from a snapshot, with the same inputs the agent's engine has, so its verdict tables and its
 * toFQDNs deltas are the agent's (up to the numbering of node-local identities, see {@link LocalIdentityTranslation}).
 * A document or entry that cannot be used is reported and left out; everything else still applies.
 */
public final class SnapshotEngine {
    /** An endpoint as the proxy needs it: its name, identity and the addresses its queries come from. */
    public record Endpoint(String name, int identity, List<InetAddress> addresses) {}

    public record Built(PolicyEngine engine, List<Endpoint> endpoints, Map<InetAddress, Integer> podAddresses,
                        List<String> problems) {}

    private SnapshotEngine() {}

    public static Built build(DnsSnapshot s) {
        List<String> problems = new ArrayList<>();
        PolicyEngine engine = new PolicyEngine(s.cluster());
        Map<Integer, Identity> ids = new HashMap<>();
        for (ReservedIdentity r : ReservedIdentity.values()) ids.put(r.id(), r.identity());
        for (DnsSnapshot.IdentityEntry e : s.identities()) {
            try {
                List<Label> labels = new ArrayList<>();
                for (String l : e.labels()) labels.add(Label.parse(l, "k8s"));
                Identity id = Identity.of(e.id(), LabelSet.of(labels));
                engine.upsertIdentity(id);
                ids.put(id.id(), id);
            } catch (IllegalArgumentException ex) {
                problems.add("identity " + e.id() + ": " + ex.getMessage());
            }
        }
        engine.setClusterNamedPorts(ports(s.namedPorts(), problems, "cluster named ports"));
        PolicyParser parser = new PolicyParser();
        for (DnsSnapshot.Document d : s.documents()) {
            for (ParsedDocument pd : parser.parse(d.text(), d.origin())) {
                if (!pd.ok()) {
                    problems.add(pd.describe() + " (" + pd.origin() + "): " + String.join("; ", pd.errors().stream().map(PolicyProblem::toString).toList()));
                    continue;
                }
                if (pd.service() != null) engine.upsertService(pd.service());
                if (pd.policy() != null) {
                    EngineDelta delta = engine.upsertPolicy(pd.policy());
                    problems.addAll(delta.rejected());
                }
            }
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (DnsSnapshot.EndpointEntry e : s.endpoints()) {
            Identity id = ids.get(e.identity());
            if (id == null) {
                problems.add("endpoint " + e.name() + ": identity " + e.identity() + " is not in the snapshot; its queries are refused");
                continue;
            }
            List<InetAddress> addrs = addresses(e.addresses(), problems, "endpoint " + e.name());
            engine.upsertEndpoint(new LocalEndpoint(e.name(), id, ports(e.namedPorts(), problems, "endpoint " + e.name())));
            endpoints.add(new Endpoint(e.name(), e.identity(), addrs));
        }
        Map<InetAddress, Integer> pods = new LinkedHashMap<>();
        for (DnsSnapshot.AddressEntry a : s.ipcache()) {
            List<InetAddress> one = addresses(List.of(a.address()), problems, "ipcache");
            if (!one.isEmpty()) pods.put(one.getFirst(), a.identity());
        }
        return new Built(engine, endpoints, pods, problems);
    }

    private static Map<String, Set<NamedPort>> ports(Map<String, List<DnsSnapshot.PortEntry>> in, List<String> problems, String where) {
        Map<String, Set<NamedPort>> out = new HashMap<>();
        if (in == null) return out;
        in.forEach((name, list) -> {
            for (DnsSnapshot.PortEntry p : list) {
                try {
                    out.computeIfAbsent(name, k -> new HashSet<>()).add(new NamedPort(p.port(), Protocol.valueOf(p.protocol())));
                } catch (IllegalArgumentException | NullPointerException e) {
                    problems.add(where + ": named port " + name + " has protocol '" + p.protocol() + "'");
                }
            }
        });
        return out;
    }

    private static List<InetAddress> addresses(List<String> texts, List<String> problems, String where) {
        List<InetAddress> out = new ArrayList<>();
        for (String t : texts) {
            if (t == null || !Cidr.isAddress(t)) {
                problems.add(where + ": '" + t + "' is not an IP address");
                continue;
            }
            out.add(Cidr.parse(t).address());
        }
        return out;
    }
}
