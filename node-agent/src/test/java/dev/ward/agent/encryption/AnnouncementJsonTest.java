package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class AnnouncementJsonTest {
    private static final TestPki PKI = new TestPki("json-ca");
    private static final TestPki.Svid SVID = PKI.issueNode("node-a");
    private static final SignedNodeAnnouncement SIGNED = SignedNodeAnnouncement.sign(
            Announcements.sample("node-a", 5, 2), SVID.chain(), SVID.key().getPrivate());

    @Test
    void roundTripsAndStillVerifies() throws Exception {
        String json = AnnouncementJson.toJson(SIGNED);
        SignedNodeAnnouncement back = AnnouncementJson.fromJson(json);
        assertEquals(SIGNED, back);
        assertEquals(SIGNED.announcement(),
                new AnnouncementVerifier(TestPki.TRUST_DOMAIN, PKI.verifier()).verify(back));
    }

    @Test
    void fieldOrderAndEntryOrderDoNotMatter() throws Exception {
        ObjectNode tree = AnnouncementJson.toTree(SIGNED);
        List<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> fields = new ArrayList<>();
        for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = tree.fields(); it.hasNext(); ) {
            fields.add(it.next());
        }
        Collections.reverse(fields);
        ObjectNode reversed = tree.objectNode();
        fields.forEach(e -> reversed.set(e.getKey(), e.getValue()));
        var acks = (com.fasterxml.jackson.databind.node.ArrayNode) reversed.get("acknowledgements");
        var first = acks.remove(0);
        acks.add(first);

        SignedNodeAnnouncement back = AnnouncementJson.fromJson(reversed.toPrettyString());
        assertEquals(SIGNED, back);
        new AnnouncementVerifier(TestPki.TRUST_DOMAIN, PKI.verifier()).verify(back);
    }

    @Test
    void namesThePathOfEveryMistake() {
        assertError(edit(t -> t.remove("epoch")), "epoch is missing");
        assertError(edit(t -> t.put("epoch", "5")), "epoch must be a non-negative integer");
        assertError(edit(t -> t.put("epoch", 1.5)), "epoch must be a non-negative integer");
        assertError(edit(t -> t.put("version", 2)), "version is 2");
        assertError(edit(t -> t.put("nodeName", "x")), "announcement.nodeName is not a known field");
        assertError(edit(t -> t.put("node", "Node_A")), "node is invalid");
        assertError(edit(t -> t.putArray("underlay").add("node-b.example.com")), "underlay[0] is invalid", "not an IP address literal");
        assertError(edit(t -> t.putArray("podCidrs").add("10.244.1.1/24")), "podCidrs[0] is invalid", "host bits set");
        assertError(edit(t -> t.put("publicKey", "!!")), "publicKey is not base64");
        assertError(edit(t -> t.put("publicKey", "AAAA")), "publicKey is invalid", "32 bytes");
        assertError(edit(t -> ((ObjectNode) t.get("acknowledgements").get(2)).put("spi", 12)), "acknowledgements[2].spi is invalid");
        assertError(edit(t -> ((ObjectNode) t.get("acknowledgements").get(0)).remove("peerEpoch")), "acknowledgements[0].peerEpoch is missing");
        assertError(edit(t -> ((ObjectNode) t.get("sending").get(0)).put("extra", 1)), "sending[0].extra is not a known field");
        assertError(edit(t -> t.put("sending", "none")), "sending must be an array");
        assertError(edit(t -> t.putArray("svidChain").add("AAAA")), "svidChain[0]", "not a DER X.509 certificate");
        assertError(edit(t -> t.putArray("svidChain")), "svidChain is invalid", "1..8 certificates");
        assertError("[]", "announcement must be an object");
        assertError("", "announcement JSON is empty");
        assertError("{\"node\":\"a\",\"node\":\"b\"}", "not valid JSON", "Duplicate field 'node'");
    }

    /** Cut at every character and randomly corrupted: only ever a MalformedEncodingException. */
    @Test
    void splitOrCorruptedJsonFailsCleanly() {
        String json = AnnouncementJson.toJson(SIGNED);
        for (int length = 0; length < json.length(); length++) {
            String prefix = json.substring(0, length);
            assertThrows(MalformedEncodingException.class, () -> AnnouncementJson.fromJson(prefix), "prefix " + length);
        }
        Random random = new Random(5);
        String alphabet = "{}[]\",:0123456789-.eE aZ/+=\\";
        for (int trial = 0; trial < 3000; trial++) {
            char[] chars = json.toCharArray();
            chars[random.nextInt(chars.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
            String corrupt = new String(chars);
            try {
                AnnouncementJson.fromJson(corrupt);
            } catch (MalformedEncodingException expected) {
                // fine
            } catch (RuntimeException other) {
                fail("unexpected " + other + " for " + corrupt, other);
            }
        }
    }

    private static String edit(Consumer<ObjectNode> change) {
        ObjectNode tree = AnnouncementJson.toTree(SIGNED);
        change.accept(tree);
        return tree.toString();
    }

    private static void assertError(String json, String... fragments) {
        var error = assertThrows(MalformedEncodingException.class, () -> AnnouncementJson.fromJson(json));
        for (String fragment : fragments) {
            assertTrue(error.getMessage().contains(fragment), "\"" + error.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }
}
