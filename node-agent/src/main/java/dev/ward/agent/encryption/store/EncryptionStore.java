package dev.ward.agent.encryption.store;

import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.store.Subscription;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where nodes meet for encryption: their signed announcements, operators' rotation requests, and each node's
 * status record. Everything in it is public or signed; nothing in it is trusted without verification, so an
 * implementation only moves bytes (over etcd or a directory today, a Kubernetes custom resource later).
 */
public interface EncryptionStore extends AutoCloseable {
    /** Writes the node's announcement, replacing its previous one. */
    void publish(SignedNodeAnnouncement announcement);

    /** The node's announcement as stored, or empty if it has none. */
    Optional<AnnouncementEvent> announcement(String node);

    /** Every node's announcement, decoded or, where the stored value is garbage, the reason. */
    List<AnnouncementEvent> announcements();

    /** Removes the node's announcement: peers forget the node (an operator's cleanup after it left). */
    boolean withdraw(String node);

    /**
     * Removes all the node has here (announcement, status, its rotation request), as when it left the cluster; true
     * if it had any. The announcement goes first, so peers drop the node as early as possible.
     */
    boolean removeNode(String node);

    /** The nodes with an announcement or a status record. */
    java.util.Set<String> nodes();

    /**
     * Delivers announcement changes made after the call, in order. After a broken connection every stored
     * announcement may be delivered again; receivers ignore what they already have.
     */
    Subscription watchAnnouncements(Consumer<AnnouncementEvent> listener);

    /** Asks one node, or every node when {@code node} is empty, for a new epoch. */
    RotationRequest requestRotation(Optional<String> node);

    List<RotationRequest> rotationRequests();

    Subscription watchRotationRequests(Consumer<RotationRequest> listener);

    void writeStatus(EncryptionStatus status);

    /** Every node's last status record, by node name. */
    List<EncryptionStatus> statuses();

    String describe();

    @Override
    void close();
}
