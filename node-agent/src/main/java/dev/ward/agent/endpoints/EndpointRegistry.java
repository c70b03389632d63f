package dev.ward.agent.endpoints;

import dev.ward.netlink.IpPrefix;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The endpoints of this node, by attachment, written through to {@link EndpointRegistryFile} on every change (the
 * file is the truth a restarted agent starts from). Thread-safe.
 */
public final class EndpointRegistry {
    private final EndpointRegistryFile file;
    private final Map<String, Endpoint> byAttachment = new TreeMap<>();

    public EndpointRegistry(EndpointRegistryFile file) {
        this.file = file;
        for (Endpoint e : file.load()) byAttachment.put(e.attachment(), e);
    }

    public synchronized Optional<Endpoint> get(String attachment) {
        return Optional.ofNullable(byAttachment.get(attachment));
    }

    public synchronized Optional<Endpoint> byName(String name) {
        return byAttachment.values().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** The endpoint (other than {@code attachment}'s) holding {@code address}, if any. */
    public synchronized Optional<Endpoint> holding(IpPrefix address, String attachment) {
        return byAttachment.values().stream().filter(e -> !e.attachment().equals(attachment) && e.addresses().contains(address)).findFirst();
    }

    public synchronized List<Endpoint> all() {
        return new ArrayList<>(byAttachment.values());
    }

    /** Adds or replaces {@code e} and persists the registry before returning. */
    public synchronized void put(Endpoint e) {
        Endpoint before = byAttachment.put(e.attachment(), e);
        try {
            file.save(List.copyOf(byAttachment.values()));
        } catch (RuntimeException ex) {
            if (before == null) byAttachment.remove(e.attachment());
            else byAttachment.put(e.attachment(), before);
            throw ex;
        }
    }

    /** Removes the attachment's endpoint (if any) and persists the registry. */
    public synchronized Optional<Endpoint> remove(String attachment) {
        Endpoint gone = byAttachment.remove(attachment);
        if (gone != null) {
            try {
                file.save(List.copyOf(byAttachment.values()));
            } catch (RuntimeException ex) {
                byAttachment.put(attachment, gone);
                throw ex;
            }
        }
        return Optional.ofNullable(gone);
    }
}
