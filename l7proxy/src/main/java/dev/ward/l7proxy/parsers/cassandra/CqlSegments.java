package dev.ward.l7proxy.parsers.cassandra;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * Native protocol v5 framing: after the STARTUP exchange, envelopes travel in segments of at most 128 KiB - 1
 * payload bytes, each with a 3-byte header (payload length, self-contained flag) protected by a CRC24, and the
 * payload protected by a CRC32. Uncompressed only.
 */
final class CqlSegments {
    static final int HEADER = 6;
    static final int TRAILER = 4;
    static final int MAX_PAYLOAD = (1 << 17) - 1;
    private static final int CRC24_INIT = 0x875060;
    private static final int CRC24_POLY = 0x1974F0B;
    private static final byte[] CRC32_INIT = {(byte) 0xfa, (byte) 0x2d, (byte) 0x55, (byte) 0xca};

    private CqlSegments() {}

    /** A segment header read at the buffer's position; null when fewer than 6 bytes are there. */
    record Header(int payloadLength, boolean selfContained, boolean crcOk) {
        int segmentLength() {
            return HEADER + payloadLength + TRAILER;
        }
    }

    static Header header(ByteBuffer data, int at) {
        if (data.limit() - at < HEADER) return null;
        long h3 = (data.get(at) & 0xffL) | (data.get(at + 1) & 0xffL) << 8 | (data.get(at + 2) & 0xffL) << 16;
        int crc = (data.get(at + 3) & 0xff) | (data.get(at + 4) & 0xff) << 8 | (data.get(at + 5) & 0xff) << 16;
        int length = (int) (h3 & MAX_PAYLOAD);
        boolean self = ((h3 >> 17) & 1) == 1;
        return new Header(length, self, crc24(h3, 3) == crc);
    }

    static boolean payloadCrcOk(ByteBuffer data, int at, Header h) {
        int payload = at + HEADER;
        CRC32 c = new CRC32();
        c.update(CRC32_INIT);
        c.update(data.duplicate().position(payload).limit(payload + h.payloadLength()));
        int want = data.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(payload + h.payloadLength());
        return (int) c.getValue() == want;
    }

    /** A self-contained segment holding {@code payload}. */
    static byte[] selfContained(byte[] payload) {
        if (payload.length > MAX_PAYLOAD) throw new IllegalArgumentException("segment payload of " + payload.length);
        long h3 = payload.length | (1L << 17);
        int crc = crc24(h3, 3);
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length + TRAILER).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) h3).put((byte) (h3 >> 8)).put((byte) (h3 >> 16));
        b.put((byte) crc).put((byte) (crc >> 8)).put((byte) (crc >> 16));
        b.put(payload);
        CRC32 c = new CRC32();
        c.update(CRC32_INIT);
        c.update(payload);
        b.putInt((int) c.getValue());
        return b.array();
    }

    static int crc24(long bytes, int length) {
        int crc = CRC24_INIT;
        for (int k = 0; k < length; k++) {
            crc ^= (int) ((bytes & 0xff) << 16);
            bytes >>= 8;
            for (int i = 0; i < 8; i++) {
                crc <<= 1;
                if ((crc & 0x1000000) != 0) crc ^= CRC24_POLY;
            }
        }
        return crc & 0xffffff;
    }
}
