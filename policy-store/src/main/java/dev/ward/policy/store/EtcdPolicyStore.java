package dev.ward.policy.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Policies of a cluster without Kubernetes, kept in etcd as the YAML the operator wrote, one key per object:
 * {@code <prefix><kind>/<namespace>/<name>}. Storing the text (not a parsed form) keeps one parser as the only
 * reader, so a policy means the same from a file and from the store.
 */
public final class EtcdPolicyStore {
    public static final String DEFAULT_PREFIX = "/ward/policies/v1/";
    private static final long TIMEOUT_SECONDS = 10;

    private final Client client;
    private final String prefix;

    public EtcdPolicyStore(Client client, String prefix) {
        this.client = client;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    public void put(String kind, String namespace, String name, String yaml) throws Exception {
        client.getKVClient().put(bytes(prefix + kind + "/" + namespace + "/" + name), bytes(yaml))
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    public void delete(String kind, String namespace, String name) throws Exception {
        client.getKVClient().delete(bytes(prefix + kind + "/" + namespace + "/" + name)).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    public List<PolicyDocument> list() throws Exception {
        List<PolicyDocument> out = new ArrayList<>();
        for (KeyValue kv : client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build())
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).getKvs()) {
            out.add(new PolicyDocument("etcd:" + kv.getKey().toString(StandardCharsets.UTF_8),
                    kv.getValue().toString(StandardCharsets.UTF_8)));
        }
        return out;
    }
}
