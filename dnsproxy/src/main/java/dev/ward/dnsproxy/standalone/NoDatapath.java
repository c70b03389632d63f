package dev.ward.dnsproxy.standalone;

import dev.ward.dnsproxy.fqdn.PolicyDatapath;
import dev.ward.dnsproxy.snapshot.LocalIdentityTranslation;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.model.Cidr;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * For a node with no BPF datapath installed (before the datapath is wired in, or to run DNS rules alone): there are
 * no maps to write and no L3 enforcement an answer could race, so every delta is confirmed at once. DNS rules are
 * still enforced and names still learned and journaled.
 */
public final class NoDatapath implements PolicyDatapath, LocalIdentityTranslation.NodeIdentities {
    @Override
    public CompletableFuture<Void> apply(EngineDelta delta) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public OptionalInt heldFor(Cidr prefix) {
        return OptionalInt.empty();
    }
}
