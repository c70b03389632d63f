package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The verdict semantics and the incremental deltas, on small hand-made worlds. */
class PolicyEngineTest {
    private PolicyEngine engine;
    private Identity web;
    private Identity api;
    private Identity db;

    private static Identity pod(int id, String labels) {
        return Identity.of(id, LabelSet.parse("k8s:io.kubernetes.pod.namespace=default,k8s:io.cilium.k8s.policy.cluster=default," + labels, "k8s"));
    }

    private static Policy policy(String yaml) {
        List<ParsedDocument> docs = new PolicyParser().parse(yaml, "t.yaml");
        assertEquals(List.of(), docs.getFirst().errors());
        return docs.getFirst().policy();
    }

    private static String cnp(String name, String spec) {
        return "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: " + name + "}\nspec: " + spec + "\n";
    }

    private Verdict verdict(String ep, Direction d, Identity remote, Protocol p, int port) {
        return engine.table(ep).lookup(d, remote.id(), p, port).verdict();
    }

    @BeforeEach
    void world() {
        engine = new PolicyEngine("default");
        web = pod(300, "app=web");
        api = pod(301, "app=api");
        db = pod(302, "app=db");
        for (Identity i : List.of(web, api, db)) engine.upsertIdentity(i);
        engine.upsertEndpoint(new LocalEndpoint("api", api));
        engine.upsertEndpoint(new LocalEndpoint("db", db));
    }

    @Test
    void defaultDenyIsPerDirectionAndOnlyOnceSelected() {
        assertFalse(engine.table("api").enforced(Direction.INGRESS));
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.INGRESS, web, Protocol.TCP, 80).kind());
        engine.upsertPolicy(policy(cnp("in", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '80', protocol: TCP}]}]}]}")));
        VerdictTable t = engine.table("api");
        assertTrue(t.enforced(Direction.INGRESS));
        assertFalse(t.enforced(Direction.EGRESS));
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.INGRESS, web, Protocol.TCP, 80).kind());
        assertEquals(Verdict.Kind.DENY, verdict("api", Direction.INGRESS, web, Protocol.TCP, 81).kind());
        assertEquals(Verdict.Kind.DENY, verdict("api", Direction.INGRESS, db, Protocol.TCP, 80).kind());
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.EGRESS, db, Protocol.TCP, 5432).kind());
        // Another endpoint is untouched.
        assertFalse(engine.table("db").enforced(Direction.INGRESS));
    }

    @Test
    void denyRulesWithoutDefaultDenyWhenDisabled() {
        engine.upsertPolicy(policy(cnp("d", "{endpointSelector: {matchLabels: {app: api}}, enableDefaultDeny: {ingress: false}, ingressDeny: [{fromEndpoints: [{matchLabels: {app: db}}]}]}")));
        assertFalse(engine.table("api").enforced(Direction.INGRESS));
        assertEquals(Verdict.Kind.DENY, verdict("api", Direction.INGRESS, db, Protocol.TCP, 80).kind());
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.INGRESS, web, Protocol.TCP, 80).kind());
    }

    @Test
    void denyBeatsAllowEvenWhenTheAllowIsMoreSpecific() {
        engine.upsertPolicy(policy(cnp("allow", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{}]}}]}]}")));
        engine.upsertPolicy(policy(cnp("deny", "{endpointSelector: {}, ingressDeny: [{toPorts: [{ports: [{port: '0', protocol: ANY}]}]}]}")));
        Verdict v = verdict("api", Direction.INGRESS, web, Protocol.TCP, 80);
        assertEquals(Verdict.Kind.DENY, v.kind());
        assertEquals("CiliumNetworkPolicy/default/deny spec.ingressDeny[0]", v.rules().getFirst().toString());
    }

    @Test
    void l7RulesOfOneTypeMergeAndPlainAllowsSupersedeThem() {
        engine.upsertPolicy(policy(cnp("get", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]}]}")));
        engine.upsertPolicy(policy(cnp("post", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: POST, path: /submit}]}}]}]}")));
        Verdict fromWeb = verdict("api", Direction.INGRESS, web, Protocol.TCP, 80);
        assertEquals(Verdict.Kind.REDIRECT, fromWeb.kind());
        assertEquals("http", fromWeb.l7Type());
        assertEquals(Set.of("method=GET", "method=POST path=/submit"),
                Set.copyOf(fromWeb.grants().stream().map(g -> g.rule().toString()).toList()));
        Verdict fromDb = verdict("api", Direction.INGRESS, db, Protocol.TCP, 80);
        assertEquals(List.of("method=POST path=/submit"), fromDb.grants().stream().map(g -> g.rule().toString()).toList());

        engine.upsertPolicy(policy(cnp("plain", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '80', protocol: TCP}]}]}]}")));
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.INGRESS, web, Protocol.TCP, 80).kind());
        assertEquals(Verdict.Kind.REDIRECT, verdict("api", Direction.INGRESS, db, Protocol.TCP, 80).kind());
    }

    @Test
    void mixedL7TypesOnAPortAreRejected() {
        engine.upsertPolicy(policy(cnp("http", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '9092', protocol: TCP}], rules: {http: [{}]}}]}]}")));
        VerdictTable before = engine.table("api");
        EngineDelta d = engine.upsertPolicy(policy(cnp("kafka", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: db}}], toPorts: [{ports: [{port: '9092', protocol: TCP}], rules: {kafka: [{role: produce}]}}]}]}")));
        assertFalse(d.accepted());
        assertTrue(d.rejected().getFirst().contains("L7 rule types [http, kafka]"), d.rejected().toString());
        assertTrue(d.tables().isEmpty());
        assertTrue(engine.table("api").sameAs(before));
        assertEquals(1, engine.policies().size());
    }

    @Test
    void aPolicyMayChangeItsOwnL7TypeButNotClashWithAPolicyThatSortsAfterIt() {
        engine.upsertPolicy(policy(cnp("zeta", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{toPorts: [{ports: [{port: '9092', protocol: TCP}], rules: {kafka: [{role: produce}]}}]}]}")));
        // Replacing its own rules is no clash with their previous version.
        assertTrue(engine.upsertPolicy(policy(cnp("zeta", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{toPorts: [{ports: [{port: '9092', protocol: TCP}], rules: {http: [{}]}}]}]}"))).accepted());
        EngineDelta d = engine.upsertPolicy(policy(cnp("alpha", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{toPorts: [{ports: [{port: '9092', protocol: TCP}], rules: {kafka: [{}]}}]}]}")));
        assertFalse(d.accepted());
        assertTrue(d.rejected().getFirst().contains("L7 rule types [http, kafka]"), d.rejected().toString());
        assertEquals(Set.of("zeta"), Set.copyOf(engine.policies().stream().map(p -> p.key().name()).toList()));
    }

    @Test
    void conflictsArisingFromANewEndpointFailClosedOnThatPort() {
        engine.upsertPolicy(policy(cnp("http", "{endpointSelector: {matchLabels: {tier: front}}, ingress: [{toPorts: [{ports: [{port: '8000', protocol: TCP}], rules: {http: [{}]}}]}]}")));
        engine.upsertPolicy(policy(cnp("kafka", "{endpointSelector: {matchLabels: {tier: back}}, ingress: [{toPorts: [{ports: [{port: '8000', protocol: TCP}], rules: {kafka: [{}]}}, {ports: [{port: '9000', protocol: TCP}], rules: {kafka: [{}]}}]}]}")));
        Identity mixed = Identity.of(304, LabelSet.parse("k8s:io.kubernetes.pod.namespace=default,k8s:tier=back", "k8s")
                .with(dev.ward.policy.label.Label.k8s("tier2", "x")));
        engine.upsertIdentity(mixed);
        // Accepted: no endpoint is selected by both. Then one appears that is (tier=back and tier2=x), and would
        // need an HTTP and a Kafka proxy on 8000.
        engine.upsertPolicy(policy(cnp("http2", "{endpointSelector: {matchLabels: {tier2: x}}, ingress: [{toPorts: [{ports: [{port: '8000', protocol: TCP}], rules: {http: [{}]}}]}]}")));
        engine.upsertEndpoint(new LocalEndpoint("mixed", mixed));
        VerdictTable t = engine.table("mixed");
        assertEquals(1, t.conflicts().size(), t.conflicts().toString());
        Verdict v = t.lookup(Direction.INGRESS, web.id(), Protocol.TCP, 8000).verdict();
        assertEquals(Verdict.Kind.DENY, v.kind());
        assertTrue(v.conflict());
        assertEquals(Verdict.Kind.REDIRECT, t.lookup(Direction.INGRESS, web.id(), Protocol.TCP, 9000).verdict().kind());
    }

    @Test
    void aNewIdentityTouchesOnlyItsRowsInTheEndpointsThatSelectIt() {
        engine.upsertPolicy(policy(cnp("api-from-web", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}]}]}")));
        engine.upsertPolicy(policy(cnp("db-from-api", "{endpointSelector: {matchLabels: {app: db}}, ingress: [{fromEndpoints: [{matchLabels: {app: api}}]}]}")));
        Identity web2 = pod(305, "app=web,version=v2");
        EngineDelta d = engine.upsertIdentity(web2);
        assertEquals(Set.of("api"), d.tables().keySet());
        TableDelta td = d.tables().get("api");
        assertTrue(td.removals().isEmpty());
        assertFalse(td.upserts().isEmpty());
        assertTrue(td.upserts().stream().allMatch(e -> e.remoteId() == web2.id() && e.direction() == Direction.INGRESS), td.toString());
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.INGRESS, web2, Protocol.TCP, 443).kind());

        EngineDelta gone = engine.removeIdentity(web2.id());
        assertEquals(td.upserts().stream().map(VerdictEntry::key).toList(), gone.tables().get("api").removals());
    }

    @Test
    void aDnsAnswerAddsANodeLocalIdentityAndOnlyTheRowsThatNeedIt() throws Exception {
        engine.upsertPolicy(policy(cnp("fqdn", "{endpointSelector: {matchLabels: {app: api}}, egress: [{toFQDNs: [{matchPattern: '*.example.com'}], toPorts: [{ports: [{port: '443', protocol: TCP}]}]}]}")));
        InetAddress a = InetAddress.getByName("198.51.100.7");
        EngineDelta d = engine.learnFqdn("www.example.com", List.of(a));
        assertEquals(1, d.identitiesAdded().size());
        Identity local = d.identitiesAdded().getFirst();
        assertTrue(IdentityNumbers.isNodeLocal(local.id()));
        assertEquals(Set.of("api"), d.tables().keySet());
        assertEquals(List.of(new VerdictEntry(Direction.EGRESS, local.id(), Protocol.TCP, 443, 443,
                        d.tables().get("api").upserts().getFirst().verdict())), d.tables().get("api").upserts());
        assertEquals(local.id(), engine.identityForAddress(a).id());
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.EGRESS, engine.identityForAddress(a), Protocol.TCP, 443).kind());

        // A name no selector matches resolving to the same address changes nothing in any table.
        assertTrue(engine.learnFqdn("unrelated.org", List.of(a)).tables().isEmpty());
        assertTrue(engine.forgetFqdn("unrelated.org", a).tables().isEmpty());
        EngineDelta expired = engine.forgetFqdn("www.example.com", a);
        assertEquals(List.of(local.id()), expired.identitiesRemoved());
        assertEquals(1, expired.tables().get("api").removals().size());
        assertEquals(ReservedIdentity.WORLD.id(), engine.identityForAddress(a).id());
    }

    @Test
    void aPolicyChangeReportsOnlyWhatChanged() {
        Policy v1 = policy(cnp("p", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '80', protocol: TCP}]}]}]}"));
        engine.upsertPolicy(v1);
        assertTrue(engine.upsertPolicy(v1).tables().isEmpty(), "re-applying an identical policy changes nothing");
        Policy v2 = policy(cnp("p", "{endpointSelector: {matchLabels: {app: api}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: '80', protocol: TCP}, {port: '443', protocol: TCP}]}]}]}"));
        EngineDelta d = engine.upsertPolicy(v2);
        assertEquals(Set.of("api"), d.tables().keySet());
        assertEquals(List.of(new VerdictEntry.Key(Direction.INGRESS, web.id(), Protocol.TCP, 443, 443)),
                d.tables().get("api").upserts().stream().map(VerdictEntry::key).toList());
        EngineDelta del = engine.deletePolicy(new PolicyKey(PolicyKey.CNP, "default", "p"));
        assertEquals(Boolean.FALSE, del.tables().get("api").ingressEnforced());
        assertEquals(2, del.tables().get("api").removals().size());
    }

    @Test
    void cidrPoliciesAllocateLocalIdentitiesForEveryPrefixAndExcept() throws Exception {
        EngineDelta d = engine.upsertPolicy(policy(cnp("cidr", "{endpointSelector: {matchLabels: {app: api}}, egress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]}]}")));
        assertEquals(2, d.identitiesAdded().size());
        Identity inside = engine.identityForAddress(InetAddress.getByName("10.1.2.3"));
        Identity excepted = engine.identityForAddress(InetAddress.getByName("10.96.0.10"));
        assertEquals("10.0.0.0/8", inside.prefix().toString());
        assertEquals("10.96.0.0/12", excepted.prefix().toString());
        assertEquals(Verdict.Kind.ALLOW, verdict("api", Direction.EGRESS, inside, Protocol.TCP, 5432).kind());
        assertEquals(Verdict.Kind.DENY, verdict("api", Direction.EGRESS, excepted, Protocol.TCP, 53).kind());
        EngineDelta removed = engine.deletePolicy(new PolicyKey(PolicyKey.CNP, "default", "cidr"));
        assertEquals(2, removed.identitiesRemoved().size());
    }
}
