package dev.ward.kind;

import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.lab.ClusterUpScenario;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;

/**
 * The chart's install came up on the kind cluster: keyd and an agent on every node are ready, and (the lab's
 * scenario 0) every node holds an SA each way with every other and pods on different nodes answer each other.
 */
@EnabledIfSystemProperty(named = KindCluster.RUN_BY_SCRIPT, matches = ".+", disabledReason = KindCluster.ONLY_ON_KIND)
class ClusterUpE2E {
    @Test
    void everyNodeHasAnAgentAndPairsWithEveryOther() throws Exception {
        KindCluster c = KindCluster.shared();
        Scenarios.assertPasses("cluster up: keyd, an agent per node, ESP between every pair", s -> {
            Deployment keyd = c.client().apps().deployments().inNamespace(WardKubernetes.NAMESPACE).withName("ward-keyd").get();
            s.check(keyd != null && keyd.getStatus().getReadyReplicas() != null && keyd.getStatus().getReadyReplicas() >= 1,
                    "keyd ready: " + (keyd == null ? "no Deployment ward-keyd" : keyd.getStatus().getReadyReplicas() + " of " + keyd.getSpec().getReplicas()));
            DaemonSet agents = c.client().apps().daemonSets().inNamespace(WardKubernetes.NAMESPACE).withName("ward-agent").get();
            int ready = agents == null || agents.getStatus().getNumberReady() == null ? 0 : agents.getStatus().getNumberReady();
            s.check(ready == c.nodes().size(), "agents ready on " + ready + " of " + c.nodes().size() + " nodes");
            ClusterUpScenario.check(s, c, Duration.ofSeconds(120), () -> true, System.nanoTime());
        });
    }
}
