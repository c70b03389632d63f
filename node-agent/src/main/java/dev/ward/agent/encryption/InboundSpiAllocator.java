package dev.ward.agent.encryption;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the SPI of every SA a node receives, so that SPIs are unique per receiving node by construction.
 *
 * <p>The kernel finds an inbound SA by (destination address, SPI), so uniqueness matters among the SAs one node
 * receives, from all its peers and across the epochs that coexist during a rotation. Only the receiver sees all
 * of those at once, so the receiver allocates: it starts at a value hashed from the {@link PeerSaId} (spreading SPIs
 * so a freed one is rarely reused soon) and probes upwards past any SPI it already holds. The sender never
 * guesses: it reads the SPI from the receiver's signed acknowledgement, and echoes it in its own announcement
 * when it sends with it. Both ends therefore use the same value, and a hash collision costs one probe instead of
 * two SAs fighting over one SPI.
 */
public final class InboundSpiAllocator {
    private final String receiver;
    private final Map<PeerSaId, Spi> bySa = new HashMap<>();
    private final Map<Spi, PeerSaId> bySpi = new HashMap<>();

    public InboundSpiAllocator(String receiver) {
        this.receiver = receiver;
    }

    /** The SPI for an SA this node receives; the same SPI again while the SA holds it. */
    public Spi allocate(PeerSaId sa) {
        requireReceivedHere(sa);
        Spi existing = bySa.get(sa);
        if (existing != null) {
            return existing;
        }
        Spi candidate = preferred(sa);
        while (bySpi.containsKey(candidate)) {
            candidate = candidate.next();
        }
        hold(sa, candidate);
        return candidate;
    }

    /**
     * Takes a specific SPI for an SA, as recorded in this node's last announcement or found in the kernel
     * after a restart. Fails if another SA already holds it: that would be two inbound SAs on one SPI.
     */
    public void claim(PeerSaId sa, Spi spi) {
        requireReceivedHere(sa);
        PeerSaId holder = bySpi.get(spi);
        Spi held = bySa.get(sa);
        if ((holder != null && !holder.equals(sa)) || (held != null && !held.equals(spi))) {
            throw new IllegalStateException("cannot give SPI " + spi + " to " + sa + ": held by "
                    + (holder != null ? holder : sa + " as " + held));
        }
        hold(sa, spi);
    }

    public void release(PeerSaId sa) {
        Spi spi = bySa.remove(sa);
        if (spi != null) {
            bySpi.remove(spi);
        }
    }

    public Optional<Spi> spiOf(PeerSaId sa) {
        return Optional.ofNullable(bySa.get(sa));
    }

    public Optional<PeerSaId> saOf(Spi spi) {
        return Optional.ofNullable(bySpi.get(spi));
    }

    public int size() {
        return bySa.size();
    }

    /** Where allocation for an SA starts: a hash of the canonical SA identity into the usable SPI range. */
    public static Spi preferred(PeerSaId sa) {
        byte[] input = new CanonicalWriter()
                .string("ward spi v1")
                .string(sa.sender()).u64(sa.senderEpoch())
                .string(sa.receiver()).u64(sa.receiverEpoch())
                .toByteArray();
        byte[] digest = sha256(input);
        long hash = ((digest[0] & 0xFFL) << 24) | ((digest[1] & 0xFFL) << 16) | ((digest[2] & 0xFFL) << 8) | (digest[3] & 0xFFL);
        return new Spi(Spi.MIN + hash % (Spi.MAX - Spi.MIN + 1));
    }

    private void hold(PeerSaId sa, Spi spi) {
        bySa.put(sa, spi);
        bySpi.put(spi, sa);
    }

    private void requireReceivedHere(PeerSaId sa) {
        if (!sa.receiver().equals(receiver)) {
            throw new IllegalArgumentException(receiver + " allocates SPIs only for SAs it receives, not " + sa);
        }
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
