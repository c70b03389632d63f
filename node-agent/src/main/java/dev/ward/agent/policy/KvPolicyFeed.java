package dev.ward.agent.policy;

import dev.ward.policy.store.EtcdIdentityBackend;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.store.Subscription;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvEvent;
import dev.ward.store.kv.VersionedKv;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Policy objects ({@code /ward/policies/v1/<kind>/<namespace>/<name>}, the YAML {@code wardctl policy} writes) and
 * allocated identities ({@code /ward/identities/v1/id/<n>}) in etcd or a directory store: a prefix watch each, then a
 * listing of each, both versioned by the store's revisions.
 */
public final class KvPolicyFeed implements PolicyFeed {
    private final VersionedKv kv;
    private final String policies;
    private final String identities;
    private final List<Subscription> watches = new ArrayList<>();

    public KvPolicyFeed(VersionedKv kv) {
        this(kv, KvPolicyStore.DEFAULT_PREFIX, EtcdIdentityBackend.DEFAULT_PREFIX);
    }

    public KvPolicyFeed(VersionedKv kv, String policyPrefix, String identityPrefix) {
        this.kv = kv;
        this.policies = policyPrefix.endsWith("/") ? policyPrefix : policyPrefix + "/";
        this.identities = (identityPrefix.endsWith("/") ? identityPrefix : identityPrefix + "/") + "id/";
    }

    @Override
    public void start(Listener listener) {
        // Watch first, then list: nothing is missed, and the versions sort out what both delivered.
        watches.add(kv.watch(policies, e -> listener.policy(change(policies, e))));
        watches.add(kv.watch(identities, e -> listener.identity(change(identities, e))));
        deliver(kv.list(identities), identities, listener::identity);
        deliver(kv.list(policies), policies, listener::policy);
    }

    private static void deliver(List<KvEntry> entries, String prefix, Consumer<StoreChange> to) {
        for (KvEntry e : entries) to.accept(new StoreChange(e.key().substring(prefix.length()), e.version(), e.text()));
    }

    private static StoreChange change(String prefix, KvEvent e) {
        return new StoreChange(e.key().substring(prefix.length()), e.version(), e.text());
    }

    @Override
    public String describe() {
        return "policies and identities in " + kv.describe();
    }

    @Override
    public void close() {
        watches.forEach(Subscription::close);
        watches.clear();
    }
}
