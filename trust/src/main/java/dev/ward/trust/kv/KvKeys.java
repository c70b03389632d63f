package dev.ward.trust.kv;

/** Where Ward's identity records live in a key-value store. */
public final class KvKeys {
    public static final String ROOT = "/ward/pki/";
    public static final String TRUST = ROOT + "trust";
    public static final String NODES = ROOT + "nodes/";
    public static final String TOKENS = ROOT + "tokens/";
    public static final String REQUESTS = ROOT + "requests/";

    private KvKeys() {}

    public static String node(String node) {
        return NODES + node;
    }

    public static String token(String tokenHash) {
        return TOKENS + tokenHash;
    }

    public static String request(String node, String id) {
        return REQUESTS + node + "/" + id;
    }
}
