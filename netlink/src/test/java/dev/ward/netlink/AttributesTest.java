package dev.ward.netlink;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AttributesTest {
    private static byte[] sample() {
        PayloadWriter w = new PayloadWriter();
        w.attributeString(3, "wx0");                 // 4 + 4 = 8
        w.attributeU8(7, 0xAB);                      // 4 + 1 -> padded 8
        int outer = w.beginNested(18);
        w.attributeString(1, "veth");
        w.attributeU32(2, 0xCAFEBABE);
        w.endNested(outer);
        w.attributeU32(5, 1);
        w.attributeU32(5, 2);                        // repeated type
        w.attribute(9, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        return w.toBytes();
    }

    @Test
    void parsesScalarsStringsNestedAndRepeated() {
        Attributes a = Attributes.parse(ByteBuffer.wrap(sample()));
        assertEquals("wx0", a.string(3));
        assertEquals(0xAB, a.u8(7));
        Attributes n = a.nested(18);
        assertEquals("veth", n.string(1));
        assertEquals(0xCAFEBABE, n.u32(2));
        assertEquals(2, a.all(5).size());
        assertEquals(1, a.u32(5));
        assertEquals(2, a.all(5).get(1).getInt(0));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, a.bytes(9));
        assertEquals(0x0807060504030201L, a.u64(9));
        assertNull(a.u32(42));
        assertFalse(a.has(42));
    }

    @Test
    void nestedFlagIsMaskedFromType() {
        byte[] b = sample();
        assertEquals(18 | PayloadWriter.NLA_F_NESTED, Short.toUnsignedInt(ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).getShort(18)));
    }

    @Test
    void everyTruncationIsRejectedOrParsesAPrefix() {
        byte[] full = sample();
        int whole = Attributes.parse(ByteBuffer.wrap(full)).all(5).size();
        assertEquals(2, whole);
        for (int cut = 0; cut < full.length; cut++) {
            ByteBuffer part = ByteBuffer.wrap(full, 0, cut).slice();
            try {
                Attributes a = Attributes.parse(part);
                // Only a cut on an attribute boundary parses; what it yields must be a true prefix.
                if (a.has(9)) throw new AssertionError("last attribute present after cut at " + cut);
            } catch (MalformedNetlinkMessageException expected) {
                // the cut fell inside an attribute
            }
        }
    }

    @Test
    void shortScalarIsRejectedNotZeroFilled() {
        PayloadWriter w = new PayloadWriter();
        w.attribute(4, new byte[] {1, 2});
        Attributes a = Attributes.parse(ByteBuffer.wrap(w.toBytes()));
        assertThrows(MalformedNetlinkMessageException.class, () -> a.u32(4));
    }

    @Test
    void headerLongerThanPayloadIsRejected() {
        assertThrows(MalformedNetlinkMessageException.class, () -> Attributes.afterHeader(ByteBuffer.allocate(10), 16));
    }
}
