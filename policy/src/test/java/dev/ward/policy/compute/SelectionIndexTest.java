package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Peer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The index an identity change consults must never leave out a selection that matches the identity. */
class SelectionIndexTest {
    @Property(tries = 200)
    void everyMatchingSelectionIsACandidate(@ForAll long seed) {
        RandomPolicies gen = new RandomPolicies(seed);
        Random r = gen.random();
        PeerMatcher matcher = new PeerMatcher("default", Map.of());
        SelectionIndex index = new SelectionIndex();
        List<Selection> kept = new ArrayList<>();
        List<Selection> dropped = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Selection s = Selection.of(gen.peer(r.nextBoolean() ? Direction.INGRESS : Direction.EGRESS));
            if (s.wildcard() || kept.contains(s) || dropped.contains(s)) continue;
            index.add(s);
            (r.nextInt(4) == 0 ? dropped : kept).add(s);
        }
        for (Selection s : dropped) index.remove(s);
        // 0.0.0.0/0 also stands for world, the one identity without a prefix a CIDR matches.
        Selection everywhere = Selection.of(new Peer.Cidrs(Cidr.parse("0.0.0.0/0"), List.of()));
        index.add(everywhere);
        kept.add(everywhere);

        List<Identity> identities = new ArrayList<>();
        for (ReservedIdentity id : ReservedIdentity.values()) identities.add(id.identity());
        for (int i = 0; i < 20; i++) identities.add(gen.identity(300 + i));
        for (int i = 0; i < 10; i++) {
            Cidr host = Cidr.host(gen.address());
            Set<String> names = r.nextBoolean() ? Set.of(gen.pick(RandomPolicies.NAMES)) : Set.of();
            identities.add(new Identity(IdentityNumbers.NODE_LOCAL_FLAG | (i + 1),
                    LabelSet.of(Label.reserved("world"), new Label(LabelSource.CIDR, host.toString(), "")), host, names));
        }
        for (Identity id : identities) {
            Set<Selection> candidates = new HashSet<>();
            index.candidates(id, candidates);
            for (Selection s : kept) {
                if (matcher.matches(s, id)) assertTrue(candidates.contains(s), s + " matches " + id + " but is no candidate");
            }
            for (Selection s : dropped) assertFalse(candidates.contains(s), s + " was removed");
        }
    }
}
