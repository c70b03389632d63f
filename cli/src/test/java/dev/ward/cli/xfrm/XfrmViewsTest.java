package dev.ward.cli.xfrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.cli.OutputOption;
import dev.ward.xfrm.InstalledPolicy;
import dev.ward.xfrm.InstalledSa;
import dev.ward.xfrm.SaCounters;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XfrmViewsTest {
    private static final XfrmSpecReader.Spec SPEC = XfrmSpecReader.read(XfrmSpecReaderTest.DOC);

    @Test
    void saRowsShowAlgorithmAndKeySizeButNeverKeys() throws Exception {
        List<XfrmViews.SaRow> rows = SPEC.states().stream()
                .map(sa -> XfrmViews.row(new InstalledSa(sa, new SaCounters(840, 7, 1, 0, 0, 0, 0)))).toList();
        String table = XfrmViews.saTable(rows).render();
        String json = OutputOption.toJson(rows);
        for (String out : List.of(table, json)) {
            assertFalse(out.contains("0102030405"), "key material in output:\n" + out);
            assertFalse(out.contains("000102030405"), "key material in output:\n" + out);
        }
        assertTrue(table.startsWith("SRC       DST       SPI         MODE"), table);
        assertTrue(table.contains("rfc4106(gcm(aes))/160"), table);
        assertTrue(table.contains("128 esn"), table);
        JsonNode first = new ObjectMapper().readTree(json).get(0);
        assertEquals("0x00001000", first.get("spi").asText());
        assertEquals(160, first.get("keyBits").asInt());
        assertEquals("0xe00/0xf00", first.get("mark").asText());
        assertEquals(7, first.get("packets").asInt());
        assertEquals("cbc(aes)+hmac(sha256)", new ObjectMapper().readTree(json).get(1).get("algorithm").asText());
    }

    @Test
    void policyRowsListTemplates() throws Exception {
        List<XfrmViews.PolicyRow> rows = SPEC.policies().stream().map(p -> XfrmViews.row(new InstalledPolicy(p, 8))).toList();
        String table = XfrmViews.policyTable(rows).render();
        assertTrue(table.contains("out  10.1.0.0/24->10.2.0.0/24  allow   100       -"), table);
        assertTrue(table.contains("tunnel 10.0.0.1->10.0.0.2 reqid 1"), table);
        assertTrue(table.contains("transport reqid 0 (use)"), table);
        JsonNode json = new ObjectMapper().readTree(OutputOption.toJson(rows));
        assertEquals("block", json.get(1).get("action").asText());
        assertEquals(8, json.get(0).get("index").asInt());
        assertEquals("required", json.get(0).get("templates").get(0).get("level").asText());
    }
}
