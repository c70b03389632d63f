package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import dev.ward.store.kv.EtcdConnection;
import dev.ward.store.kv.EtcdKv;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Identity allocation in etcd. Keys under {@code <prefix>}: {@code id/<n>} holds the label key, {@code key/<labels>}
 * the number, {@code ref/<n>/<node>} one node's reference, bound to that node's lease so a node that dies lets go.
 * Each operation is one etcd transaction:
 * <ul>
 * <li>claim: both {@code id/<n>} and {@code key/<labels>} must not exist (create revision 0);</li>
 * <li>reference: {@code id/<n>} must still hold the labels; the same transaction rewrites {@code id/<n>}, so its
 *     mod revision moves;</li>
 * <li>delete: {@code id/<n>} must still have the mod revision seen when its references were counted, which a
 *     concurrent reference would have moved.</li>
 * </ul>
 */
public final class EtcdIdentityBackend implements IdentityBackend {
    public static final String DEFAULT_PREFIX = "/ward/identities/v1/";

    private final EtcdKv store;
    private final EtcdConnection etcd;
    private final KV kv;
    private final Client client;
    private final String prefix;
    private final long leaseTtlSeconds;
    private long leaseId;
    private CloseableClient keepAlive;

    /**
     * @param store   the cluster's etcd (its connection's timeout applies to every call); not closed by {@link #close()}
     * @param prefix  key prefix, e.g. {@code /ward/identities/v1/}
     * @param leaseTtlSeconds lifetime of this node's references if it stops renewing them
     */
    public EtcdIdentityBackend(EtcdKv store, String prefix, long leaseTtlSeconds) {
        this.store = store;
        this.etcd = store.connection();
        this.client = etcd.client();
        this.kv = client.getKVClient();
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.leaseTtlSeconds = leaseTtlSeconds;
    }

    /** The node's lease, granted on first use: readers (wardctl, garbage collection) never hold one. */
    private synchronized long lease() {
        if (keepAlive == null) {
            leaseId = etcd.await(client.getLeaseClient().grant(leaseTtlSeconds), "grant a lease").getID();
            keepAlive = client.getLeaseClient().keepAlive(leaseId, new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse value) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            });
        }
        return leaseId;
    }

    private ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private ByteSequence idKey(int id) {
        return bytes(prefix + "id/" + id);
    }

    private ByteSequence labelsKey(String key) {
        return bytes(prefix + "key/" + key);
    }

    private ByteSequence refPrefix(int id) {
        return bytes(prefix + "ref/" + id + "/");
    }

    @Override
    public Optional<Integer> idForKey(String key) {
        GetResponse r = etcd.await(kv.get(labelsKey(key)), "read identity key " + key);
        if (r.getKvs().isEmpty()) return Optional.empty();
        return Optional.of(Integer.parseInt(r.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8)));
    }

    @Override
    public Map<Integer, String> allocated() {
        return StoredIdentities.allocated(store, prefix);
    }

    @Override
    public Claim claim(int id, String key) {
        TxnResponse r = etcd.await(kv.txn()
                .If(new Cmp(idKey(id), Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
                        new Cmp(labelsKey(key), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(idKey(id), bytes(key), PutOption.DEFAULT),
                        Op.put(labelsKey(key), bytes(String.valueOf(id)), PutOption.DEFAULT))
                .Else(Op.get(labelsKey(key), GetOption.DEFAULT))
                .commit(), "claim identity " + id);
        if (r.isSucceeded()) return new Claim.Claimed();
        GetResponse existing = r.getGetResponses().getFirst();
        if (!existing.getKvs().isEmpty()) {
            return new Claim.KeyTaken(Integer.parseInt(existing.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8)));
        }
        return new Claim.IdTaken();
    }

    @Override
    public void addReference(int id, String key, String node) throws IdentityGoneException {
        TxnResponse r = etcd.await(kv.txn()
                .If(new Cmp(idKey(id), Cmp.Op.EQUAL, CmpTarget.value(bytes(key))))
                .Then(Op.put(bytes(prefix + "ref/" + id + "/" + node), bytes(""), PutOption.builder().withLeaseId(lease()).build()),
                        Op.put(idKey(id), bytes(key), PutOption.DEFAULT))
                .commit(), "reference identity " + id);
        if (!r.isSucceeded()) throw new IdentityGoneException("identity " + id + " no longer stands for " + key);
    }

    @Override
    public void removeReference(int id, String node) {
        etcd.await(kv.delete(bytes(prefix + "ref/" + id + "/" + node)), "drop the reference to identity " + id);
    }

    @Override
    public Set<String> references(int id) {
        GetResponse r = etcd.await(kv.get(refPrefix(id), GetOption.builder().isPrefix(true).withKeysOnly(true).build()),
                "list the references to identity " + id);
        Set<String> out = new HashSet<>();
        int cut = refPrefix(id).size();
        for (KeyValue e : r.getKvs()) out.add(e.getKey().toString(StandardCharsets.UTF_8).substring(cut));
        return out;
    }

    @Override
    public boolean deleteIfUnreferenced(int id) {
        GetResponse current = etcd.await(kv.get(idKey(id)), "read identity " + id);
        if (current.getKvs().isEmpty()) return false;
        KeyValue entry = current.getKvs().getFirst();
        GetResponse refs = etcd.await(kv.get(refPrefix(id), GetOption.builder().isPrefix(true).withCountOnly(true).build()),
                "count the references to identity " + id);
        if (refs.getCount() > 0) return false;
        String key = entry.getValue().toString(StandardCharsets.UTF_8);
        TxnResponse r = etcd.await(kv.txn()
                .If(new Cmp(idKey(id), Cmp.Op.EQUAL, CmpTarget.modRevision(entry.getModRevision())))
                .Then(Op.delete(idKey(id), DeleteOption.DEFAULT), Op.delete(labelsKey(key), DeleteOption.DEFAULT))
                .commit(), "delete identity " + id);
        return r.isSucceeded();
    }

    /** Stops renewing and revokes this node's lease: its references go with it. */
    @Override
    public synchronized void close() {
        if (keepAlive == null) return;
        keepAlive.close();
        try {
            etcd.await(client.getLeaseClient().revoke(leaseId), "revoke this node's lease");
        } catch (RuntimeException e) {
            // The lease expires on its own after its TTL.
        }
    }
}
