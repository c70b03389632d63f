package dev.ward.l7proxy.parsers.cassandra;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** CQL envelopes as the DataStax driver writes them (layouts from the native protocol v4/v5 specifications). */
final class CqlFrames {
    private CqlFrames() {}

    static byte[] envelope(int version, int stream, int opcode, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(9 + body.length);
        b.put((byte) version).put((byte) 0).putShort((short) stream).put((byte) opcode).putInt(body.length).put(body);
        return b.array();
    }

    static byte[] reply(int version, int stream, int opcode, byte[] body) {
        return envelope(0x80 | version, stream, opcode, body);
    }

    static byte[] longString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
    }

    static byte[] shortBytes(byte[] b) {
        return ByteBuffer.allocate(2 + b.length).putShort((short) b.length).put(b).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** QUERY: the statement, consistency ONE, no flags (v4: one flag byte; v5: four). */
    static byte[] query(int version, int stream, String cql) {
        byte[] params = version >= 5 ? new byte[] {0, 1, 0, 0, 0, 0} : new byte[] {0, 1, 0};
        return envelope(version, stream, 0x07, concat(longString(cql), params));
    }

    static byte[] prepare(int version, int stream, String cql) {
        return envelope(version, stream, 0x09, version >= 5 ? concat(longString(cql), new byte[4]) : longString(cql));
    }

    static byte[] execute(int version, int stream, byte[] id) {
        byte[] rest = version >= 5 ? concat(shortBytes(new byte[] {9}), new byte[] {0, 1, 0, 0, 0, 0}) : new byte[] {0, 1, 0};
        return envelope(version, stream, 0x0A, concat(shortBytes(id), rest));
    }

    /** RESULT Prepared (kind 4) with {@code id}; the metadata that follows is not read by the proxy. */
    static byte[] prepared(int version, int stream, byte[] id) {
        return reply(version, stream, 0x08, concat(ByteBuffer.allocate(4).putInt(4).array(), shortBytes(id), new byte[12]));
    }

    static byte[] setKeyspace(int version, int stream, String ks) {
        byte[] k = ks.getBytes(StandardCharsets.UTF_8);
        return reply(version, stream, 0x08, ByteBuffer.allocate(6 + k.length).putInt(3).putShort((short) k.length).put(k).array());
    }

    static byte[] rowsVoid(int version, int stream) {
        return reply(version, stream, 0x08, ByteBuffer.allocate(4).putInt(1).array());
    }
}
