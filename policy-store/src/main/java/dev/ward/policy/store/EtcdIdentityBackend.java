package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
    private static final long TIMEOUT_SECONDS = 10;

    private final KV kv;
    private final Client client;
    private final String prefix;
    private final long leaseTtlSeconds;
    private long leaseId;
    private CloseableClient keepAlive;

    /**
     * @param prefix  key prefix, e.g. {@code /ward/identities/v1/}
     * @param leaseTtlSeconds lifetime of this node's references if it stops renewing them
     */
    public EtcdIdentityBackend(Client client, String prefix, long leaseTtlSeconds) {
        this.client = client;
        this.kv = client.getKVClient();
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.leaseTtlSeconds = leaseTtlSeconds;
    }

    /** The node's lease, granted on first use: readers (wardctl, garbage collection) never hold one. */
    private synchronized long lease() {
        if (keepAlive == null) {
            leaseId = await(client.getLeaseClient().grant(leaseTtlSeconds)).getID();
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

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted talking to etcd", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("etcd: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Integer> idForKey(String key) {
        GetResponse r = await(kv.get(labelsKey(key)));
        if (r.getKvs().isEmpty()) return Optional.empty();
        return Optional.of(Integer.parseInt(r.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8)));
    }

    @Override
    public Map<Integer, String> allocated() {
        GetResponse r = await(kv.get(bytes(prefix + "id/"), GetOption.builder().isPrefix(true).build()));
        Map<Integer, String> out = new TreeMap<>();
        int cut = (prefix + "id/").length();
        for (KeyValue e : r.getKvs()) {
            out.put(Integer.parseInt(e.getKey().toString(StandardCharsets.UTF_8).substring(cut)),
                    e.getValue().toString(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public Claim claim(int id, String key) {
        TxnResponse r = await(kv.txn()
                .If(new Cmp(idKey(id), Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
                        new Cmp(labelsKey(key), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(idKey(id), bytes(key), PutOption.DEFAULT),
                        Op.put(labelsKey(key), bytes(String.valueOf(id)), PutOption.DEFAULT))
                .Else(Op.get(labelsKey(key), GetOption.DEFAULT))
                .commit());
        if (r.isSucceeded()) return new Claim.Claimed();
        GetResponse existing = r.getGetResponses().getFirst();
        if (!existing.getKvs().isEmpty()) {
            return new Claim.KeyTaken(Integer.parseInt(existing.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8)));
        }
        return new Claim.IdTaken();
    }

    @Override
    public void addReference(int id, String key, String node) throws IdentityGoneException {
        TxnResponse r = await(kv.txn()
                .If(new Cmp(idKey(id), Cmp.Op.EQUAL, CmpTarget.value(bytes(key))))
                .Then(Op.put(bytes(prefix + "ref/" + id + "/" + node), bytes(""), PutOption.builder().withLeaseId(lease()).build()),
                        Op.put(idKey(id), bytes(key), PutOption.DEFAULT))
                .commit());
        if (!r.isSucceeded()) throw new IdentityGoneException("identity " + id + " no longer stands for " + key);
    }

    @Override
    public void removeReference(int id, String node) {
        await(kv.delete(bytes(prefix + "ref/" + id + "/" + node)));
    }

    @Override
    public Set<String> references(int id) {
        GetResponse r = await(kv.get(refPrefix(id), GetOption.builder().isPrefix(true).withKeysOnly(true).build()));
        Set<String> out = new HashSet<>();
        int cut = refPrefix(id).size();
        for (KeyValue e : r.getKvs()) out.add(e.getKey().toString(StandardCharsets.UTF_8).substring(cut));
        return out;
    }

    @Override
    public boolean deleteIfUnreferenced(int id) {
        GetResponse current = await(kv.get(idKey(id)));
        if (current.getKvs().isEmpty()) return false;
        KeyValue entry = current.getKvs().getFirst();
        GetResponse refs = await(kv.get(refPrefix(id), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
        if (refs.getCount() > 0) return false;
        String key = entry.getValue().toString(StandardCharsets.UTF_8);
        TxnResponse r = await(kv.txn()
                .If(new Cmp(idKey(id), Cmp.Op.EQUAL, CmpTarget.modRevision(entry.getModRevision())))
                .Then(Op.delete(idKey(id), DeleteOption.DEFAULT), Op.delete(labelsKey(key), DeleteOption.DEFAULT))
                .commit());
        return r.isSucceeded();
    }

    /** Stops renewing and revokes this node's lease: its references go with it. */
    @Override
    public synchronized void close() {
        if (keepAlive == null) return;
        keepAlive.close();
        try {
            client.getLeaseClient().revoke(leaseId).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            // The lease expires on its own after its TTL.
        }
    }
}
