package dev.ward.agent.policy;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The identities the cluster's nodes allocated, in the engine: a remote pod's identity must be known here before a
 * selector can match it. Engine thread only.
 */
final class ClusterIdentityRecords {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterIdentityRecords.class);

    private final VersionedKeys versions = new VersionedKeys();

    void apply(StoreChange change, PolicyEngine engine, Consumer<EngineDelta> deltas) {
        int id;
        try {
            id = Integer.parseInt(change.key());
        } catch (NumberFormatException e) {
            LOG.warn("skipping identity record {}: not named by a number", change.key());
            return;
        }
        if (IdentityNumbers.isReserved(id) || IdentityNumbers.isNodeLocal(id)) {
            LOG.warn("skipping identity record {}: not a cluster identity number", id);
            return;
        }
        if (!versions.advance(change)) return;
        if (change.deleted()) {
            deltas.accept(engine.removeIdentity(id));
            return;
        }
        LabelSet labels;
        try {
            labels = LabelSet.parse(change.value(), LabelSource.K8S);
        } catch (IllegalArgumentException e) {
            LOG.warn("skipping identity record {}: its labels '{}' cannot be read: {}", id, change.value(), e.getMessage());
            return;
        }
        Identity now = Identity.of(id, labels);
        if (now.equals(engine.identity(id))) return;
        deltas.accept(engine.upsertIdentity(now));
    }
}
