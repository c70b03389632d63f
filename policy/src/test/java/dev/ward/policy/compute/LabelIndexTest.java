package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.label.SelectorKey;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Peer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The candidate sets that spare resolving a new selection against every identity. */
class LabelIndexTest {
    private static Identity local(int n, String prefix) {
        Cidr c = Cidr.parse(prefix);
        return new Identity(IdentityNumbers.NODE_LOCAL_FLAG | n, LabelSet.of(Label.reserved("world")), c, Set.of());
    }

    private static Identity pod(int id, String app, String env) {
        return Identity.of(id, LabelSet.of(Label.k8s("app", app), Label.k8s("env", env)));
    }

    @Test
    void aCidrPeerGetsTheAddressIdentitiesInsideIt() {
        LabelIndex index = new LabelIndex();
        Identity wide = local(1, "10.0.0.0/8");
        Identity net = local(2, "10.1.0.0/16");
        Identity host = local(3, "10.1.2.3/32");
        Identity last = local(4, "10.255.255.255/32");
        Identity outside = local(5, "11.0.0.0/32");
        Identity v6 = local(6, "2001:db8::1/128");
        for (Identity id : List.of(wide, net, host, last, outside, v6)) index.add(id);

        assertArrayEquals(ids(wide, net, host, last), candidates(index, "10.0.0.0/8"));
        assertArrayEquals(ids(net, host), candidates(index, "10.1.0.0/16"));
        assertArrayEquals(ids(host), candidates(index, "10.1.2.3/32"));
        assertArrayEquals(ids(v6), candidates(index, "2001:db8::/32"));
        assertNull(index.candidates(Selection.of(new Peer.Cidrs(Cidr.parse("0.0.0.0/0"), List.of()))), "/0 also matches world");

        index.remove(net);
        assertArrayEquals(ids(host), candidates(index, "10.1.0.0/16"));
    }

    @Test
    void aLabelPeerGetsTheIdentitiesOfItsNarrowestInTerm() {
        LabelIndex index = new LabelIndex();
        Identity a = pod(300, "a", "prod");
        Identity b = pod(301, "b", "prod");
        Identity c = pod(302, "a", "dev");
        for (Identity id : List.of(a, b, c)) index.add(id);
        LabelSelector sel = LabelSelector.of(List.of(
                new Requirement(SelectorKey.parse("env"), Requirement.Operator.IN, Set.of("prod", "dev")),
                Requirement.equalTo(SelectorKey.parse("k8s:app"), "b")));
        assertArrayEquals(ids(b), index.candidates(Selection.of(new Peer.Endpoints(sel))).toSortedArray());
        LabelSelector both = LabelSelector.of(List.of(new Requirement(SelectorKey.parse("env"), Requirement.Operator.IN, Set.of("prod", "dev"))));
        assertArrayEquals(ids(a, b, c), index.candidates(Selection.of(new Peer.Endpoints(both))).toSortedArray());
    }

    private static int[] candidates(LabelIndex index, String cidr) {
        return index.candidates(Selection.of(new Peer.Cidrs(Cidr.parse(cidr), List.of()))).toSortedArray();
    }

    private static int[] ids(Identity... ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = ids[i].id();
        java.util.Arrays.sort(out);
        return out;
    }
}
