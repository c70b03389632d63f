package dev.ward.kind;

import dev.ward.lab.StarWarsRule1Scenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.List;

/**
 * Rule1 of Cilium's Star Wars demo on the kind cluster (the lab's scenario 7, shared part): applied with kubectl as
 * printed, the deathstar created after it on the second node is enforced from its first packet; tiefighters
 * (org=empire) reach it on 80 from its node and across nodes, xwings (org=alliance) from its node and from both
 * others are dropped, and so is 8080 for everyone; wardctl monitor in the deathstar's agent pod shows each drop with
 * its reason and both identities, and the allowed connections forwarded by rule1. Then rule1 deleted lets the xwing in,
 * and applied again drops it, while the tiefighter stays allowed.
 */
@EnabledIfSystemProperty(named = KindCluster.RUN_BY_SCRIPT, matches = ".+", disabledReason = KindCluster.ONLY_ON_KIND)
class StarWarsPolicyE2E {
    @Test
    void onlyTheEmpireReachesTheDeathstarOn80AndMonitorShowsWhy() throws Exception {
        KindCluster c = KindCluster.shared();
        List<KindNode> nodes = c.nodes();
        try (KindPolicyCluster policy = new KindPolicyCluster(c, System.getProperty(KindCluster.RUN_BY_SCRIPT))) {
            Scenarios.assertPasses("rule1: only org=empire reaches the deathstar on 80/TCP, across nodes and on one node; deleted and"
                    + " applied again", s -> {
                StarWarsRule1Scenario.Cast<KindNode, KindPod> cast = StarWarsRule1Scenario.Cast.create(policy, nodes.get(1), nodes.get(0),
                        nodes.size() > 2 ? nodes.get(2) : null);
                KindPod deathstar = StarWarsRule1Scenario.check(s, policy, cast).deathstar();
                StarWarsRule1Scenario.removeAndRestore(s, policy, cast, deathstar, Duration.ofSeconds(30));
            });
        }
    }
}
