package dev.ward.policy.identity;

import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;

/** The reserved identities (below 256), the same numbers in every Ward and Cilium cluster. */
public enum ReservedIdentity {
    HOST(1, "host"),
    WORLD(2, "world"),
    UNMANAGED(3, "unmanaged"),
    HEALTH(4, "health"),
    INIT(5, "init"),
    REMOTE_NODE(6, "remote-node"),
    KUBE_APISERVER(7, "kube-apiserver"),
    INGRESS(8, "ingress");

    private final int id;
    private final String labelName;

    ReservedIdentity(int id, String labelName) {
        this.id = id;
        this.labelName = labelName;
    }

    public int id() {
        return id;
    }

    public String labelName() {
        return labelName;
    }

    public LabelSet labels() {
        return LabelSet.of(Label.reserved(labelName));
    }

    public Identity identity() {
        return Identity.of(id, labels());
    }

    public static ReservedIdentity byId(int id) {
        for (ReservedIdentity r : values()) if (r.id == id) return r;
        return null;
    }

    /** The reserved identity a label set stands for, when it is exactly one reserved label. */
    public static ReservedIdentity forLabels(LabelSet labels) {
        if (labels.size() != 1) return null;
        Label l = labels.get(0);
        if (!l.source().equals("reserved")) return null;
        for (ReservedIdentity r : values()) if (r.labelName.equals(l.key())) return r;
        return null;
    }
}
