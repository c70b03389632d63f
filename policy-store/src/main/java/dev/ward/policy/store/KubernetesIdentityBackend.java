package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;

import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Identity allocation through the Kubernetes API, on two cluster-scoped custom resources
 * ({@code deploy/crds/ward.dev_wardidentities.yaml}): a {@code WardIdentity} named by the number claims the number
 * and lists the nodes referencing it; a {@code WardIdentityKey} named by the hash of the labels claims the labels.
 * The API server offers atomic create (409 when the name exists) and updates guarded by resourceVersion (409 when
 * the object changed), and nothing more, so:
 * <ul>
 * <li>claim: create the WardIdentity (taken: the number is in use), then the WardIdentityKey (taken: another node
 *     won the labels; our WardIdentity, which nobody can have found yet, is deleted);</li>
 * <li>reference: add the node to the WardIdentity, guarded by its resourceVersion; refused once it is marked for
 *     deletion;</li>
 * <li>delete: mark the WardIdentity for deletion, guarded by the resourceVersion under which it had no references
 *     (a reference made meanwhile changed it), then delete both objects.</li>
 * </ul>
 */
public final class KubernetesIdentityBackend implements IdentityBackend {
    public static final ResourceDefinitionContext IDENTITY = new ResourceDefinitionContext.Builder()
            .withGroup("ward.dev").withVersion("v1").withKind("WardIdentity").withPlural("wardidentities")
            .withNamespaced(false).build();
    public static final ResourceDefinitionContext KEY = new ResourceDefinitionContext.Builder()
            .withGroup("ward.dev").withVersion("v1").withKind("WardIdentityKey").withPlural("wardidentitykeys")
            .withNamespaced(false).build();
    private static final int MAX_RETRIES = 50;

    private final KubernetesClient client;

    public KubernetesIdentityBackend(KubernetesClient client) {
        this.client = client;
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> identities() {
        return client.genericKubernetesResources(IDENTITY);
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> keys() {
        return client.genericKubernetesResources(KEY);
    }

    static String keyObjectName(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "k-" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GenericKubernetesResource object(ResourceDefinitionContext ctx, String name, Map<String, Object> spec) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion(ctx.getGroup() + "/" + ctx.getVersion());
        r.setKind(ctx.getKind());
        r.setMetadata(new ObjectMetaBuilder().withName(name).build());
        r.setAdditionalProperty("spec", spec);
        return r;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource r) {
        Object s = r.getAdditionalProperties().get("spec");
        return s instanceof Map<?, ?> m ? new HashMap<>((Map<String, Object>) m) : new HashMap<>();
    }

    @SuppressWarnings("unchecked")
    private static List<String> refs(GenericKubernetesResource r) {
        Object v = spec(r).get("references");
        return v instanceof List<?> l ? new ArrayList<>((List<String>) l) : new ArrayList<>();
    }

    private static boolean deleting(GenericKubernetesResource r) {
        return Boolean.TRUE.equals(spec(r).get("deleting"));
    }

    private static boolean conflict(KubernetesClientException e) {
        return e.getCode() == HttpURLConnection.HTTP_CONFLICT;
    }

    @Override
    public Optional<Integer> idForKey(String key) {
        GenericKubernetesResource k = keys().withName(keyObjectName(key)).get();
        if (k == null || !key.equals(spec(k).get("key"))) return Optional.empty();
        return Optional.of(((Number) spec(k).get("id")).intValue());
    }

    @Override
    public Map<Integer, String> allocated() {
        Map<Integer, String> out = new TreeMap<>();
        for (GenericKubernetesResource r : identities().list().getItems()) {
            if (!deleting(r)) out.put(Integer.parseInt(r.getMetadata().getName()), (String) spec(r).get("key"));
        }
        return out;
    }

    @Override
    public Claim claim(int id, String key) {
        try {
            identities().resource(object(IDENTITY, String.valueOf(id), Map.of("key", key, "references", List.of()))).create();
        } catch (KubernetesClientException e) {
            if (conflict(e)) return new Claim.IdTaken();
            throw e;
        }
        try {
            keys().resource(object(KEY, keyObjectName(key), Map.of("key", key, "id", id))).create();
            return new Claim.Claimed();
        } catch (KubernetesClientException e) {
            if (!conflict(e)) throw e;
        }
        identities().withName(String.valueOf(id)).delete();
        Optional<Integer> winner = idForKey(key);
        return winner.<Claim>map(Claim.KeyTaken::new).orElseGet(Claim.IdTaken::new);
    }

    @Override
    public void addReference(int id, String key, String node) throws IdentityGoneException {
        for (int i = 0; i < MAX_RETRIES; i++) {
            GenericKubernetesResource r = identities().withName(String.valueOf(id)).get();
            if (r == null || deleting(r) || !key.equals(spec(r).get("key"))) {
                throw new IdentityGoneException("identity " + id + " no longer stands for " + key);
            }
            List<String> refs = refs(r);
            if (refs.contains(node)) return;
            refs.add(node);
            if (updateSpec(r, "references", refs)) return;
        }
        throw new IllegalStateException("identity " + id + ": too many concurrent updates");
    }

    @Override
    public void removeReference(int id, String node) {
        for (int i = 0; i < MAX_RETRIES; i++) {
            GenericKubernetesResource r = identities().withName(String.valueOf(id)).get();
            if (r == null) return;
            List<String> refs = refs(r);
            if (!refs.remove(node)) return;
            if (updateSpec(r, "references", refs)) return;
        }
        throw new IllegalStateException("identity " + id + ": too many concurrent updates");
    }

    /** Writes one spec field under the object's resourceVersion; false when someone else changed it first. */
    private boolean updateSpec(GenericKubernetesResource r, String field, Object value) {
        Map<String, Object> spec = spec(r);
        spec.put(field, value);
        r.setAdditionalProperty("spec", spec);
        try {
            identities().resource(r).lockResourceVersion(r.getMetadata().getResourceVersion()).update();
            return true;
        } catch (KubernetesClientException e) {
            if (conflict(e)) return false;
            throw e;
        }
    }

    @Override
    public Set<String> references(int id) {
        GenericKubernetesResource r = identities().withName(String.valueOf(id)).get();
        return r == null ? Set.of() : new LinkedHashSet<>(refs(r));
    }

    @Override
    public boolean deleteIfUnreferenced(int id) {
        GenericKubernetesResource r = identities().withName(String.valueOf(id)).get();
        if (r == null || !refs(r).isEmpty()) return false;
        if (!deleting(r) && !updateSpec(r, "deleting", true)) return false;
        String key = (String) spec(r).get("key");
        GenericKubernetesResource k = keys().withName(keyObjectName(key)).get();
        if (k != null && spec(k).get("id") instanceof Number n && n.intValue() == id) {
            keys().withName(keyObjectName(key)).delete();
        }
        identities().withName(String.valueOf(id)).delete();
        return true;
    }
}
