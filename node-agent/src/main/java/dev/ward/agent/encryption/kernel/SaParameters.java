package dev.ward.agent.encryption.kernel;

import dev.ward.xfrm.Lifetime;
import dev.ward.xfrm.ReplayProtection;

/**
 * How long the kernel may use one of Ward's SAs and how it guards against replay. The soft limits make the
 * kernel report the SA (an expire notification, turned into a rotation) long before the hard limits, at
 * which the kernel deletes it. Limits count packets and bytes, not time: scheduled rotation already bounds an
 * SA's age, while the key-usage bound of AES-GCM is about how much one key protected.
 *
 * @param replayWindow packets the receiver accepts out of order, with 64-bit extended sequence numbers
 */
public record SaParameters(long softPackets, long hardPackets, long softBytes, long hardBytes, int replayWindow) {
    /**
     * Rekey after 2^30 packets or 1 TiB (about 20 minutes of one saturated 10 Gbit/s flow), give up at four
     * times that: ample time for a rotation to finish, and far below the 2^32 packets under one AES-GCM key
     * that the usual AEAD usage limits allow. A window of 1024 absorbs reordering across NIC queues.
     */
    public static final SaParameters DEFAULT = new SaParameters(1L << 30, 1L << 32, 1L << 40, 1L << 42, 1024);

    public SaParameters {
        if (softPackets < 1 || hardPackets <= softPackets) {
            throw new IllegalArgumentException("packet limits must satisfy 0 < soft < hard, got " + softPackets + "/" + hardPackets);
        }
        if (softBytes < 1 || hardBytes <= softBytes) {
            throw new IllegalArgumentException("byte limits must satisfy 0 < soft < hard, got " + softBytes + "/" + hardBytes);
        }
        if (replayWindow < 1 || replayWindow > ReplayProtection.MAX_WINDOW) {
            throw new IllegalArgumentException("replay window " + replayWindow + " is outside 1.." + ReplayProtection.MAX_WINDOW);
        }
    }

    /** The same, but the kernel asks for a new SA after {@code softPackets} packets (tests, the lab). */
    public SaParameters withSoftPackets(long packets) {
        return new SaParameters(packets, Math.max(hardPackets, packets + 1), softBytes, hardBytes, replayWindow);
    }

    Lifetime lifetime() {
        return new Lifetime(softBytes, hardBytes, softPackets, hardPackets, 0, 0);
    }

    ReplayProtection replay() {
        return ReplayProtection.esn(replayWindow);
    }
}
