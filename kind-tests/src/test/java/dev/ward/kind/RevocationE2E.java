package dev.ward.kind;

import dev.ward.lab.RevocationScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Revocation on the kind cluster (the lab's scenario 5): {@code wardctl node revoke} of the last node cuts it off
 * both ways within 5 s of the revocation reaching the store, and the other nodes keep talking. It leaves that node
 * revoked, so scripts/kind-e2e runs it last.
 */
@EnabledIfSystemProperty(named = KindCluster.RUN_BY_SCRIPT, matches = ".+", disabledReason = KindCluster.ONLY_ON_KIND)
class RevocationE2E {
    @Test
    void aRevokedNodeIsCutOffWithinFiveSeconds() throws Exception {
        KindCluster c = KindCluster.shared();
        Scenarios.assertPasses("revoke a node: cut off both ways within 5 s, others keep talking", s -> RevocationScenario.run(s, c, c.nodes().getLast()));
    }
}
