package dev.ward.policy.identity;

/**
 * The layout of a numeric identity (24 bits on the wire, as in Cilium): reserved identities below 256;
 * cluster-local identities 256..65535 in the low 16 bits with the cluster id in bits 16-23, so identities from
 * clusters of a mesh never collide; node-local identities (CIDR and DNS selections, never shared between nodes)
 * have bit 24 set.
 */
public final class IdentityNumbers {
    /** The verdict table's "any remote identity". */
    public static final int ANY = 0;
    public static final int MIN_CLUSTER_LOCAL = 256;
    public static final int MAX_CLUSTER_LOCAL = 0xFFFF;
    public static final int MAX_CLUSTER_ID = 255;
    public static final int NODE_LOCAL_FLAG = 1 << 24;
    public static final int MAX_NODE_LOCAL = (1 << 24) - 1;

    private IdentityNumbers() {}

    public static int clusterScoped(int clusterId, int local) {
        if (clusterId < 0 || clusterId > MAX_CLUSTER_ID) throw new IllegalArgumentException("cluster id must be 0-255: " + clusterId);
        if (local < MIN_CLUSTER_LOCAL || local > MAX_CLUSTER_LOCAL) {
            throw new IllegalArgumentException("cluster-local identity must be 256-65535: " + local);
        }
        return (clusterId << 16) | local;
    }

    public static int clusterId(int id) {
        return isNodeLocal(id) ? -1 : (id >>> 16) & 0xFF;
    }

    public static int localPart(int id) {
        return id & 0xFFFF;
    }

    public static boolean isReserved(int id) {
        return id > 0 && id < MIN_CLUSTER_LOCAL;
    }

    public static boolean isNodeLocal(int id) {
        return (id & NODE_LOCAL_FLAG) != 0;
    }

    public static String describe(int id) {
        if (id == ANY) return "any";
        if (isNodeLocal(id)) return "local:" + (id & MAX_NODE_LOCAL);
        if (isReserved(id)) {
            ReservedIdentity r = ReservedIdentity.byId(id);
            return r == null ? "reserved:" + id : "reserved:" + r.labelName();
        }
        return String.valueOf(id);
    }
}
