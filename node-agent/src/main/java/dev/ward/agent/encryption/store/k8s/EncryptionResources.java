package dev.ward.agent.encryption.store.k8s;

import dev.ward.pki.NodeNames;
import dev.ward.trust.k8s.WardKubernetes;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * The cluster-scoped custom resources of transparent encryption ({@code deploy/crds/ward.dev_encryption.yaml}).
 * The deploy module's tests compare the CRDs with these names, so code and manifests cannot drift apart.
 */
public final class EncryptionResources {
    public static final String GROUP = "ward.dev";
    public static final String VERSION = "v1";
    /** One per node, named by the node: its signed announcement. */
    public static final ResourceDefinitionContext ANNOUNCEMENT = cluster("WardNodeAnnouncement", "wardnodeannouncements");
    /** Operators' rotation requests: {@value #ROTATE_ALL} for every node, {@code node-NODE} for one. */
    public static final ResourceDefinitionContext ROTATION = cluster("WardKeyRotation", "wardkeyrotations");
    /** One per node, named by the node: what its agent last reported. */
    public static final ResourceDefinitionContext STATUS = cluster("WardEncryptionStatus", "wardencryptionstatuses");
    public static final String ROTATE_ALL = "all";

    private static final String ROTATE_NODE_PREFIX = "node-";

    private EncryptionResources() {
    }

    /**
     * The rotation request object for one node. The prefix keeps a node named "all" apart from the cluster-wide
     * request; a name too long for the prefix is shortened with its hash (the object's spec names the node).
     */
    public static String rotationName(String node) {
        return WardKubernetes.prefixedName(ROTATE_NODE_PREFIX, NodeNames.require(node, "node name"));
    }

    public static String apiVersion() {
        return GROUP + "/" + VERSION;
    }

    private static ResourceDefinitionContext cluster(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion(VERSION).withKind(kind)
                .withPlural(plural).withNamespaced(false).build();
    }
}
