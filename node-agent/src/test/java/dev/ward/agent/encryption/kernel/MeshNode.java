package dev.ward.agent.encryption.kernel;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.DataplaneDiff;
import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.EpochKeyPair;
import dev.ward.agent.encryption.EpochKeySource;
import dev.ward.agent.encryption.LocalNode;
import dev.ward.agent.encryption.NodeAnnouncement;
import dev.ward.agent.encryption.PeerSessions;
import dev.ward.agent.encryption.RecoveredState;
import dev.ward.agent.encryption.SessionAction;
import dev.ward.agent.encryption.SessionEvent;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * One node of a kernel test: the encryption core's sessions, driving a real {@link XfrmDataplaneKernel} in the
 * node's namespace the way the agent does (apply the whole dataplane diff after every event, before
 * publishing). {@link #exchange} is the store: it hands every publication to the other nodes until quiet.
 */
final class MeshNode {
    static final EpochKeySource COUNTING = previous -> EpochKeyPair.generate(previous + 1);

    final String netns;
    final LocalNode local;
    final EncryptionSettings settings;
    PeerSessions sessions;
    XfrmDataplaneKernel kernel;
    NodeAnnouncement lastPublished;
    final List<SessionAction.ScheduleDrain> drains = new ArrayList<>();

    MeshNode(String name, String netns, InetAddress underlay, Cidr podCidr, EncryptionSettings settings) {
        this.netns = netns;
        this.local = new LocalNode(name, List.of(underlay), List.of(podCidr));
        this.settings = settings;
    }

    String name() {
        return local.name();
    }

    /** Starts the node's sessions from what it recovered and applies their dataplane; returns its first actions. */
    List<SessionAction> start(RecoveredState recovered) {
        sessions = PeerSessions.restore(local, settings, COUNTING, recovered);
        applyDataplane();
        return sessions.resume();
    }

    List<SessionAction> handle(SessionEvent event) {
        List<SessionAction> actions = sessions.handle(event);
        applyDataplane();
        return actions;
    }

    void applyDataplane() {
        kernel.apply(DataplaneDiff.between(sessions.dataplane(), kernel.installedSas(), kernel.installedPolicies()));
    }

    /** Delivers publications between the nodes (each to every other) until none is left. */
    static void exchange(List<MeshNode> nodes, MeshNode from, List<SessionAction> firstActions) {
        Deque<NodeAnnouncement> mail = new ArrayDeque<>();
        from.collect(firstActions, mail);
        while (!mail.isEmpty()) {
            NodeAnnouncement announcement = mail.poll();
            for (MeshNode node : nodes) {
                if (!node.name().equals(announcement.node())) {
                    node.collect(node.handle(new SessionEvent.PeerAnnounced(announcement)), mail);
                }
            }
        }
    }

    private void collect(List<SessionAction> actions, Deque<NodeAnnouncement> mail) {
        for (SessionAction action : actions) {
            switch (action) {
                case SessionAction.PublishAnnouncement p -> {
                    lastPublished = p.announcement();
                    mail.add(p.announcement());
                }
                case SessionAction.ScheduleDrain d -> drains.add(d);
                case SessionAction.PeerRefused r -> throw new AssertionError(name() + " refused " + r.peer() + ": " + r.reason());
                default -> { }
            }
        }
    }

    /** Ends every drain the sessions asked for, as the timers would, and applies the result. */
    void finishDrains() {
        List<SessionAction.ScheduleDrain> due = List.copyOf(drains);
        drains.clear();
        for (SessionAction.ScheduleDrain d : due) {
            handle(new SessionEvent.DrainElapsed(d.sa()));
        }
    }

    Optional<NodeAnnouncement> published() {
        return Optional.ofNullable(lastPublished);
    }
}
