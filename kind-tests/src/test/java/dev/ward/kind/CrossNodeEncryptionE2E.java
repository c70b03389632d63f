package dev.ward.kind;

import dev.ward.lab.CrossNodeScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Pod traffic between kind nodes (the lab's scenario 1, shared part): every cross-node pod pair answers, TCP
 * transfers arrive intact, and each node's outbound ESP SAs to each peer carried the traffic.
 */
@EnabledIfSystemProperty(named = KindCluster.RUN_BY_SCRIPT, matches = ".+", disabledReason = KindCluster.ONLY_ON_KIND)
class CrossNodeEncryptionE2E {
    @Test
    void podsOnDifferentNodesTalkThroughTheirNodesSas() throws Exception {
        KindCluster c = KindCluster.shared();
        Scenarios.assertPasses("cross-node pod traffic inside ESP", s -> CrossNodeScenario.check(s, c));
    }
}
