package dev.ward.bpf.events;

import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Decodes {@code struct flow_event} (80 bytes, host byte order) into {@link FlowEvent}. */
public final class FlowEventDecoder {
    public static final int SIZE = 80;

    private FlowEventDecoder() {}

    public static FlowEvent decode(ByteBuffer in) {
        if (in.remaining() != SIZE) throw new IllegalArgumentException("flow event must be " + SIZE + " bytes, got " + in.remaining());
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        long ts = b.getLong(0);
        int family = b.get(38) & 0xFF;
        int dir = b.get(40) & 0xFF;
        int verdict = b.get(41) & 0xFF;
        if (family != 4 && family != 6 && family != 0) throw new IllegalArgumentException("flow event address family " + family + " unknown");
        if (dir > 1) throw new IllegalArgumentException("flow event direction " + dir + " unknown");
        if (verdict >= Verdict.Kind.values().length) throw new IllegalArgumentException("flow event verdict " + verdict + " unknown");
        byte[] s = new byte[16];
        byte[] d = new byte[16];
        b.get(48, s);
        b.get(64, d);
        return new FlowEvent(ts, b.getInt(8), b.getInt(12), b.getInt(16), b.getInt(20), b.getInt(24), b.getInt(28),
                b.get(39) & 0xFF, address(s, family), Short.toUnsignedInt(b.getShort(32)), address(d, family),
                Short.toUnsignedInt(b.getShort(34)), Short.toUnsignedInt(b.getShort(36)), Direction.values()[dir],
                Verdict.Kind.values()[verdict], FlowReason.of(b.get(42) & 0xFF), FlowState.of(b.get(43) & 0xFF),
                b.get(44) & 0xFF, b.get(45) & 0xFF);
    }

    public static FlowEvent decode(byte[] bytes) {
        return decode(ByteBuffer.wrap(bytes));
    }

    private static InetAddress address(byte[] sixteen, int family) {
        return IpCacheKey.unmapped(sixteen);
    }
}
