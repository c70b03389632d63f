package dev.ward.bpf.plan;

import dev.ward.bpf.maps.PortPrefix;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.PolicyKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.ward.bpf.TestPolicies.cnp;
import static dev.ward.bpf.TestPolicies.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engine changes become exactly the writes they need: counted write by write. */
class WritePlannerTest {
    private PolicyEngine engine;
    private WritePlanner planner;
    private final RuleCookies cookies = new RuleCookies();
    private final Map<IpPrefix, Integer> ipcache = new HashMap<>();

    @BeforeEach
    void world() {
        engine = new PolicyEngine("default");
        for (Identity i : List.of(pod(1001, "app=client"), pod(1002, "app=web"), pod(1003, "app=db"))) engine.upsertIdentity(i);
        engine.upsertEndpoint(new LocalEndpoint("web", pod(1002, "app=web")));
        planner = new WritePlanner(cookies, (ep, d, type) -> 15001);
    }

    private WritePlan plan(EngineDelta d) {
        WritePlan p = planner.plan(d, ep -> true, id -> ipcache.entrySet().stream().filter(e -> e.getValue() == id).map(Map.Entry::getKey).toList());
        for (MapWrite w : p.writes()) {
            if (w instanceof MapWrite.IpCacheUpsert u) ipcache.put(u.prefix(), u.identity());
            if (w instanceof MapWrite.IpCacheDelete x) ipcache.remove(x.prefix());
        }
        return p;
    }

    private static String allow(String ports) {
        return "{endpointSelector: {matchLabels: {app: web}}, ingress: [{fromEndpoints: [{matchLabels: {app: client}}], toPorts: [{ports: [" + ports + "]}]}]}";
    }

    @Test
    void aNewRuleIsOneWritePerPortPrefixPlusTheEnforcementFlag() {
        WritePlan p = plan(engine.upsertPolicy(cnp("r", allow("{port: '80', protocol: TCP}"))));
        assertEquals(1, p.count(MapWrite.PolicyUpsert.class));
        assertEquals(0, p.count(MapWrite.PolicyDelete.class));
        assertEquals(List.of(new MapWrite.Enforcement("web", Direction.INGRESS, true)), p.phase(WritePhase.ENFORCEMENT));
        assertEquals(2, p.size());

        p = plan(engine.upsertPolicy(cnp("r2", allow("{port: '1000', endPort: 1999, protocol: UDP}"))));
        assertEquals(PortPrefix.cover(1000, 1999).size(), p.size(), p.toString());
        assertEquals(p.size(), p.phase(WritePhase.UPSERT_IDENTITY_ROWS).size());
    }

    @Test
    void widenedRangeWritesItsNewPrefixAndDeletesOnlyTheOldOne() {
        plan(engine.upsertPolicy(cnp("r", allow("{port: '80', protocol: TCP}"))));
        WritePlan p = plan(engine.upsertPolicy(cnp("r", allow("{port: '80', endPort: 81, protocol: TCP}"))));
        assertEquals(1, p.count(MapWrite.PolicyUpsert.class), p.writes().toString());
        assertEquals(1, p.count(MapWrite.PolicyDelete.class), p.writes().toString());
        assertEquals(new PortPrefix(80, 15), ((MapWrite.PolicyUpsert) p.phase(WritePhase.UPSERT_IDENTITY_ROWS).getFirst()).key().port());
        assertEquals(new PortPrefix(80, 16), ((MapWrite.PolicyDelete) p.phase(WritePhase.DELETE_IDENTITY_ROWS).getFirst()).key().port());
    }

    @Test
    void aVerdictChangeOverwritesInPlaceAndDeletesNothing() {
        plan(engine.upsertPolicy(cnp("r", allow("{port: '8000', endPort: 8999, protocol: TCP}"))));
        int prefixes = PortPrefix.cover(8000, 8999).size();
        WritePlan p = plan(engine.upsertPolicy(cnp("deny", "{endpointSelector: {matchLabels: {app: web}}, ingressDeny: [{fromEndpoints: "
                + "[{matchLabels: {app: client}}], toPorts: [{ports: [{port: '8000', endPort: 8999, protocol: TCP}]}]}]}")));
        assertEquals(prefixes, p.count(MapWrite.PolicyUpsert.class), p.writes().toString());
        assertEquals(0, p.count(MapWrite.PolicyDelete.class));
    }

    @Test
    void anUnrelatedChangeWritesNothingAndAnUnattachedEndpointIsSkipped() {
        plan(engine.upsertPolicy(cnp("r", allow("{port: '80', protocol: TCP}"))));
        assertTrue(plan(engine.upsertPolicy(cnp("other", "{endpointSelector: {matchLabels: {app: nothing}}, ingress: [{}]}"))).isEmpty());
        EngineDelta d = engine.upsertPolicy(cnp("r3", allow("{port: '443', protocol: TCP}")));
        assertTrue(planner.plan(d, ep -> false, id -> List.of()).isEmpty());
    }

    @Test
    void deletingThePolicyRemovesEveryPrefixAndTurnsDefaultDenyOff() {
        plan(engine.upsertPolicy(cnp("r", allow("{port: '80', protocol: TCP}, {port: '1000', endPort: 1999, protocol: UDP}"))));
        WritePlan p = plan(engine.deletePolicy(new PolicyKey("CiliumNetworkPolicy", "default", "r")));
        assertEquals(1 + PortPrefix.cover(1000, 1999).size(), p.count(MapWrite.PolicyDelete.class));
        assertEquals(List.of(new MapWrite.Enforcement("web", Direction.INGRESS, false)), p.phase(WritePhase.ENFORCEMENT));
        assertEquals(0, p.count(MapWrite.PolicyUpsert.class));
    }

    @Test
    void cidrIdentitiesEnterTheIpcacheWithTheirRulesAndLeaveWithThem() {
        WritePlan p = plan(engine.upsertPolicy(cnp("c", "{endpointSelector: {matchLabels: {app: web}}, egress: [{toCIDR: ['10.100.0.0/16'], "
                + "toPorts: [{ports: [{port: '443', protocol: TCP}]}]}]}")));
        assertEquals(1, p.phase(WritePhase.IPCACHE_UPSERTS).size(), p.writes().toString());
        MapWrite.IpCacheUpsert u = (MapWrite.IpCacheUpsert) p.phase(WritePhase.IPCACHE_UPSERTS).getFirst();
        assertEquals(IpPrefix.parse("10.100.0.0/16"), u.prefix());
        assertTrue(p.phase(WritePhase.UPSERT_IDENTITY_ROWS).stream().anyMatch(w -> ((MapWrite.PolicyUpsert) w).key().identity() == u.identity()));
        p = plan(engine.deletePolicy(new PolicyKey("CiliumNetworkPolicy", "default", "c")));
        assertEquals(List.of(new MapWrite.IpCacheDelete(IpPrefix.parse("10.100.0.0/16"))), p.phase(WritePhase.IPCACHE_DELETES));
        assertTrue(ipcache.isEmpty());
    }

    @Test
    void redirectsCarryTheProxyPortAndEveryValueNamesItsRules() {
        WritePlan p = plan(engine.upsertPolicy(cnp("l7", "{endpointSelector: {matchLabels: {app: web}}, ingress: [{fromEndpoints: "
                + "[{matchLabels: {app: client}}], toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]}]}")));
        MapWrite.PolicyUpsert u = (MapWrite.PolicyUpsert) p.phase(WritePhase.UPSERT_IDENTITY_ROWS).getFirst();
        assertEquals(15001, u.value().proxyPort());
        assertEquals(dev.ward.policy.compute.Verdict.Kind.REDIRECT, u.value().verdict());
        assertEquals("CiliumNetworkPolicy/default/l7 spec.ingress[0]",
                cookies.rulesOf(u.value().cookie()).iterator().next().getFirst().toString());
    }
}
