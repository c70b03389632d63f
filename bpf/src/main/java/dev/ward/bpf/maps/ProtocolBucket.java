package dev.ward.bpf.maps;

import dev.ward.policy.model.Protocol;

/** The policy map's protocol byte: the IP protocol number of a verdict table's bucket (OTHER is 255). */
public final class ProtocolBucket {
    private ProtocolBucket() {}

    public static int number(Protocol p) {
        if (!Protocol.TABLE_PROTOCOLS.contains(p)) throw new IllegalArgumentException("protocol " + p + " is not a verdict table bucket");
        return p.number();
    }

    public static Protocol of(int number) {
        for (Protocol p : Protocol.TABLE_PROTOCOLS) if (p.number() == number) return p;
        throw new IllegalArgumentException("policy map protocol byte " + number + " is not a bucket");
    }

    /** The bucket a packet of IP protocol {@code number} falls in, as the datapath computes it. */
    public static Protocol ofPacket(int number) {
        for (Protocol p : Protocol.TABLE_PROTOCOLS) if (p != Protocol.OTHER && p.number() == number) return p;
        return Protocol.OTHER;
    }
}
