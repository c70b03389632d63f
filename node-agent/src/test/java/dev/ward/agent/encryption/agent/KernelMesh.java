package dev.ward.agent.encryption.agent;

import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.KernelSa;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The in-memory kernels of a test mesh, checked together after every step any of them takes: wherever a node's
 * encrypt policy sends to a peer on an SPI, both the sender's SA and the peer's SA with the same key must be
 * installed at that moment. A violation is a packet the receiver would drop: it is what zero-loss rotation and
 * restart must never produce. Nodes cut off on purpose (revoked) are exempt.
 */
final class KernelMesh {
    private final Map<InetAddress, RecordingKernel> byUnderlay = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Set<String> exempt = new HashSet<>();
    private final Set<KernelSa.Slot> tolerated = new HashSet<>();
    private int checks;

    synchronized RecordingKernel kernel(String node, InetAddress underlay) {
        return byUnderlay.computeIfAbsent(underlay, address -> new RecordingKernel(node, this));
    }

    /** From now on the node is cut off on purpose: traffic with it may drop. */
    synchronized void exempt(String node) {
        exempt.add(node);
    }

    /** The test took this SA away behind the agents' back; only until it is installed again. */
    synchronized void tolerate(KernelSa.Slot slot) {
        tolerated.add(slot);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    synchronized int checks() {
        return checks;
    }

    /** Called by a kernel, under this lock, after each step of an apply. */
    void check(RecordingKernel changed, String step) {
        checks++;
        tolerated.removeIf(slot -> byUnderlay.containsKey(slot.destination())
                && byUnderlay.get(slot.destination()).hasSlot(slot));
        for (RecordingKernel sender : byUnderlay.values()) {
            if (exempt.contains(sender.node())) {
                continue;
            }
            for (DataplanePolicy policy : sender.policies()) {
                if (!(policy instanceof DataplanePolicy.Encrypt encrypt)) {
                    continue;
                }
                KernelSa.Slot slot = new KernelSa.Slot(encrypt.tunnel().remote(), encrypt.spi());
                RecordingKernel receiver = byUnderlay.get(encrypt.tunnel().remote());
                if (receiver == null || exempt.contains(receiver.node()) || tolerated.contains(slot)) {
                    continue;
                }
                KernelSa outbound = sender.sa(slot);
                KernelSa inbound = receiver.sa(slot);
                String where = "after " + step + " on " + changed.node() + ": " + sender.node() + " sends to "
                        + receiver.node() + " on SPI " + encrypt.spi();
                if (outbound == null) {
                    violations.add(where + " without its own SA");
                } else if (inbound == null) {
                    violations.add(where + " which " + receiver.node() + " has not installed");
                } else if (!inbound.equals(outbound)) {
                    violations.add(where + " with a different key or addresses than " + receiver.node() + " holds");
                }
            }
        }
    }
}
