package dev.ward.agent.encryption;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every peer this node has heard of, in one place: the members (the newest verified announcement of each, and the
 * signed form it came in, to verify again when the trust changes) and the refused (why, and the signed announcement
 * if there was one, since a trust change may make it acceptable). A node that is revoked or departs is forgotten, but
 * {@link AnnouncementFreshness} still remembers its last epoch, so a replay of its old announcement cannot bring it
 * back as news.
 */
public final class KnownPeers {
    /** Why a node is refused, and what it last announced (null when nothing readable was). */
    private record Refusal(String reason, SignedNodeAnnouncement announcement) {}

    private final String localNode;
    private final AnnouncementVerifier verifier;
    private final AnnouncementFreshness freshness = new AnnouncementFreshness();
    private final Map<String, NodeAnnouncement> members = new TreeMap<>();
    private final Map<String, SignedNodeAnnouncement> signedMembers = new TreeMap<>();
    private final Map<String, Refusal> refused = new TreeMap<>();

    public KnownPeers(String localNode, AnnouncementVerifier verifier) {
        this.localNode = localNode;
        this.verifier = verifier;
    }

    /**
     * Verifies and records a peer's announcement. Returns it if it is news to act on, empty if it is exactly the one
     * already accepted (or this node's own). A refused one is recorded with the reason, and thrown.
     */
    public Optional<NodeAnnouncement> accept(SignedNodeAnnouncement signed) throws AnnouncementRejectedException {
        String node = signed.announcement().node();
        NodeAnnouncement announcement;
        AnnouncementFreshness.Outcome outcome;
        try {
            announcement = verifier.verify(signed);
            if (announcement.node().equals(localNode)) {
                return Optional.empty();
            }
            outcome = freshness.check(announcement);
        } catch (AnnouncementRejectedException e) {
            refused.put(node, new Refusal(e.getMessage(), signed));
            throw e;
        }
        // The same announcement may come signed anew (a renewed SVID): keep the newest signature to verify later.
        signedMembers.put(node, signed);
        refused.remove(node);
        if (outcome == AnnouncementFreshness.Outcome.SAME) {
            return Optional.empty();
        }
        members.put(node, announcement);
        return Optional.of(announcement);
    }

    /**
     * Records that {@code node} is refused for a reason other than its announcement's signature (unreadable in the
     * store, or refused by the sessions). Returns whether the reason is new, so a repeat is not logged again.
     */
    public boolean refuse(String node, String reason) {
        Refusal before = refused.get(node);
        refused.put(node, new Refusal(reason, before == null ? null : before.announcement()));
        return before == null || !before.reason().equals(reason);
    }

    /** The node was withdrawn: it is no member any more, nor refused, and its past announcements stay stale. */
    public void forget(String node) {
        members.remove(node);
        signedMembers.remove(node);
        refused.remove(node);
    }

    /**
     * Verifies every member again (the bundle or CRL changed). Those that fail leave the membership and become
     * refused; returns them with the reason.
     */
    public Map<String, String> verifyMembersAgain() {
        Map<String, String> failed = new LinkedHashMap<>();
        for (Map.Entry<String, SignedNodeAnnouncement> member : List.copyOf(signedMembers.entrySet())) {
            try {
                verifier.verify(member.getValue());
            } catch (AnnouncementRejectedException e) {
                String node = member.getKey();
                members.remove(node);
                signedMembers.remove(node);
                refused.put(node, new Refusal(e.getMessage(), member.getValue()));
                failed.put(node, e.getMessage());
            }
        }
        return failed;
    }

    /** The refused announcements that could be accepted once the trust changes. */
    public List<SignedNodeAnnouncement> refusedAnnouncements() {
        return refused.values().stream().map(Refusal::announcement).filter(a -> a != null).toList();
    }

    public Optional<NodeAnnouncement> member(String node) {
        return Optional.ofNullable(members.get(node));
    }

    public Collection<NodeAnnouncement> members() {
        return Collections.unmodifiableCollection(members.values());
    }

    /** The nodes whose signed announcement was accepted and is re-verified on trust changes. */
    public Set<String> verifiedNodes() {
        return Set.copyOf(signedMembers.keySet());
    }

    /** Why {@code node} is refused, if it is. */
    public Optional<String> refusalOf(String node) {
        return Optional.ofNullable(refused.get(node)).map(Refusal::reason);
    }

    /** Why each refused node is refused, by node. */
    public Map<String, String> refusedReasons() {
        Map<String, String> out = new TreeMap<>();
        refused.forEach((node, r) -> out.put(node, r.reason()));
        return out;
    }
}
