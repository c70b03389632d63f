package dev.ward.kind;

import dev.ward.lab.RotationScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.List;

/**
 * Key rotation on the kind cluster (the lab's scenario 3): three rounds of {@code wardctl keys rotate --all} while
 * numbered streams cross between nodes; every pair moves to new SAs, the old ones go after the drain, 0 lost.
 */
@EnabledIfSystemProperty(named = KindCluster.RUN_BY_SCRIPT, matches = ".+", disabledReason = KindCluster.ONLY_ON_KIND)
class RotationE2E {
    @Test
    void threeRotationsLoseNoDatagram() throws Exception {
        KindCluster c = KindCluster.shared();
        var n = c.nodes();
        // The agents' --drain, which scripts/kind-e2e sets through the chart (agent.encryption.drain).
        String drain = System.getProperty("ward.kind.drain", "30s");
        Scenarios.assertPasses("keys rotate --all x3 during numbered streams: 0 lost", s -> RotationScenario.run(s, c,
                List.of(List.of(n.get(0).pod(1), n.get(1).pod(1)), List.of(n.get(1).pod(2), n.get(2).pod(1)), List.of(n.get(2).pod(2), n.get(0).pod(2))),
                3, drain, Duration.ofSeconds(60)));
    }
}
