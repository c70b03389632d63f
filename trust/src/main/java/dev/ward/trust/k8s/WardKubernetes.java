package dev.ward.trust.k8s;

import dev.ward.pki.Fingerprints;

/**
 * The Kubernetes names Ward's code and its manifests under {@code deploy/} must agree on. The deploy module's
 * tests read the manifests and compare them with these constants, so neither can drift alone.
 */
public final class WardKubernetes {
    public static final String NAMESPACE = "ward-system";
    public static final String CA_SECRET = "ward-ca";
    public static final String TRUST_CONFIGMAP = "ward-trust-bundle";
    /** The signerName of Ward's node SVID CSRs; keyd is its signer. */
    public static final String SIGNER_NAME = "ward.dev/node-svid";
    public static final String AGENT_SERVICE_ACCOUNT = "ward-agent";
    public static final String KEYD_SERVICE_ACCOUNT = "ward-keyd";
    /** Set by the API server for node-bound ServiceAccount tokens: the node the requesting pod runs on. */
    public static final String NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

    public static final String NODE_RECORD_LABEL = "ward.dev/node-record";
    public static final String NODE_ANNOTATION = "ward.dev/node";
    public static final String NODE_RECORD_KEY = "record.json";
    public static final String RENEWAL_CHAIN_ANNOTATION = "ward.dev/renewal-chain";
    public static final String RENEWAL_SIGNATURE_ANNOTATION = "ward.dev/renewal-signature";

    private static final String NODE_RECORD_PREFIX = "ward-node-";
    private static final int MAX_NAME = 253;

    private WardKubernetes() {}

    /** The username the API server gives Ward's agent ServiceAccount. */
    public static String agentUsername(String namespace) {
        return "system:serviceaccount:" + namespace + ":" + AGENT_SERVICE_ACCOUNT;
    }

    /** The ConfigMap that holds a node's record; long node names are shortened with a hash to fit 253 characters. */
    public static String nodeRecordName(String node) {
        return prefixedName(NODE_RECORD_PREFIX, node);
    }

    /** {@code prefix + name} as an object name; too long for 253 characters, it is shortened with the name's hash. */
    public static String prefixedName(String prefix, String name) {
        String full = prefix + name;
        if (full.length() <= MAX_NAME) return full;
        String hash = Fingerprints.sha256(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        String head = full.substring(0, MAX_NAME - hash.length() - 1);
        while (head.endsWith("-") || head.endsWith(".")) head = head.substring(0, head.length() - 1);
        return head + "-" + hash;
    }
}
