package dev.ward.cli.xfrm;

import dev.ward.netlink.IpPrefix;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.Mark;
import dev.ward.xfrm.PolicyAction;
import dev.ward.xfrm.PolicyDirection;
import dev.ward.xfrm.ReplayProtection;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.TemplateLevel;
import dev.ward.xfrm.XfrmMode;
import dev.ward.xfrm.XfrmPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XfrmSpecReaderTest {
    static final String DOC = """
            {"states": [
              {"src": "10.0.0.1", "dst": "10.0.0.2", "spi": "0x1000", "reqid": 1,
               "aead": {"name": "rfc4106(gcm(aes))", "key": "0x0102030405060708090a0b0c0d0e0f1011121314"},
               "replayWindow": 128, "esn": true, "mark": "0xe00/0xf00", "ifId": 42},
              {"src": "10.0.0.1", "dst": "10.0.0.2", "spi": 4097, "mode": "transport",
               "encryption": {"name": "cbc(aes)", "key": "000102030405060708090a0b0c0d0e0f"},
               "authentication": {"name": "hmac(sha256)", "key": "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"},
               "selector": {"src": "10.0.0.1/32", "dst": "10.0.0.2/32", "proto": 6, "dport": 443},
               "lifetime": {"softSeconds": 3600, "hardSeconds": 7200}}],
             "policies": [
              {"dir": "out", "src": "10.1.0.0/24", "dst": "10.2.0.0/24", "priority": 100,
               "templates": [{"src": "10.0.0.1", "dst": "10.0.0.2", "reqid": 1}]},
              {"dir": "fwd", "src": "10.1.0.0/24", "dst": "10.2.0.0/24", "action": "block", "mark": "0x1"},
              {"dir": "in", "src": "10.2.0.0/24", "dst": "10.1.0.0/24", "templates": [{"mode": "transport", "level": "use"}]}]}
            """;

    @Test
    void readsStatesAndPoliciesWithDefaults() {
        XfrmSpecReader.Spec s = XfrmSpecReader.read(DOC);
        SecurityAssociation gcm = s.states().get(0);
        assertEquals(0x1000, gcm.spi());
        assertEquals(XfrmMode.TUNNEL, gcm.mode());
        assertEquals(ReplayProtection.esn(128), gcm.replay());
        assertEquals(new Mark(0xe00, 0xf00), gcm.mark());
        assertEquals(42, gcm.ifId());
        assertEquals(EspAlgorithm.AES_GCM, ((EspAlgorithm.Aead) gcm.algorithm()).name());
        SecurityAssociation cbc = s.states().get(1);
        assertEquals(4097, cbc.spi());
        assertEquals(443, cbc.selector().destinationPort());
        assertEquals(7200, cbc.lifetime().hardAddSeconds());
        assertEquals(128, ((EspAlgorithm.CipherAndAuth) cbc.algorithm()).truncationBits());
        XfrmPolicy out = s.policies().get(0);
        assertEquals(PolicyDirection.OUT, out.direction());
        assertEquals(IpPrefix.parse("10.1.0.0/24"), out.selector().source());
        assertEquals(TemplateLevel.REQUIRED, out.templates().getFirst().level());
        assertEquals(PolicyAction.BLOCK, s.policies().get(1).action());
        assertEquals(new Mark(1, 0xffffffff), s.policies().get(1).mark());
        assertNull(s.policies().get(2).templates().getFirst().source());
        assertEquals(TemplateLevel.USE, s.policies().get(2).templates().getFirst().level());
    }

    @Test
    void errorsNameTheJsonPath() {
        assertEquals("states[0].spi: missing", assertThrows(IllegalArgumentException.class,
                () -> XfrmSpecReader.read("{\"states\":[{\"src\":\"1.1.1.1\",\"dst\":\"1.1.1.2\",\"aead\":{\"name\":\"x\",\"key\":\"00\"}}]}")).getMessage());
        assertEquals("states[0].dst: not an IP address: node-b", assertThrows(IllegalArgumentException.class,
                () -> XfrmSpecReader.read("{\"states\":[{\"src\":\"1.1.1.1\",\"dst\":\"node-b\",\"spi\":300}]}")).getMessage());
        assertEquals("policies[0].dir: 'sideways' is not one of [in, out, fwd]", assertThrows(IllegalArgumentException.class,
                () -> XfrmSpecReader.read("{\"policies\":[{\"dir\":\"sideways\",\"src\":\"1.1.1.0/24\",\"dst\":\"1.1.2.0/24\"}]}")).getMessage());
        assertEquals("states[0].aead.key: not a hex string", assertThrows(IllegalArgumentException.class,
                () -> XfrmSpecReader.read("{\"states\":[{\"src\":\"1.1.1.1\",\"dst\":\"1.1.1.2\",\"spi\":300,\"aead\":{\"name\":\"x\",\"key\":\"zz\"}}]}")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> XfrmSpecReader.read("{not json"));
    }

    private static final String SA = "{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"00\"},";
    private static final String POL = "{\"dir\":\"out\",\"src\":\"10.1.0.0/24\",\"dst\":\"10.2.0.0/24\",";

    /** Input that was truncated, wrapped or ignored: each is refused, naming the field. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"policies":[POL"priority":4294967297}]}       | policies[0].priority: 4294967297 is out of range 0..4294967295
            {"states":[SA"spi":4294967296}]}               | states[0].spi: 4294967296 is out of range 0..4294967295
            {"states":[SA"spi":"0x100001000"}]}            | states[0].spi: 0x100001000 is out of range 0..4294967295
            {"states":[SA"spi":-4096}]}                    | states[0].spi: -4096 is out of range 0..4294967295
            {"states":[SA"spi":4096.5}]}                   | states[0].spi: must be an integer, not 4096.5
            {"states":[SA"spi":99999999999999999999}]}     | states[0].spi: 99999999999999999999 is out of range 0..4294967295
            {"states":{"a":1}}                              | states: must be a list, not an object
            {"states":[1]}                                  | states[0]: must be an object, not 1
            {"state":[]}                                    | state: unknown field (expected states or policies)
            {"states":[SA"spi":4096,"replayWindw":64}]}    | states[0].replayWindw: unknown field
            {"states":[SA"spi":4096,"esn":"yes"}]}         | states[0].esn: must be true or false, not "yes"
            {"states":[SA"spi":4096,"reqid":4294967296}]}  | states[0].reqid: 4294967296 is out of range 0..4294967295
            {"states":[SA"spi":4096,"mark":"0x1ffffffff"}]} | states[0].mark: 0x1ffffffff is out of range 0..4294967295
            {"states":[SA"spi":4096,"lifetime":{"hardSeconds":-1}}]} | states[0].lifetime.hardSeconds: -1 is out of range 0..9223372036854775807
            {"states":[{"src":"10.0.0.1","dst":"10.0.0.2","spi":4096,"aead":{"name":"x","key":"00","icv":64}}]} | states[0].aead.icv: unknown field
            {"policies":[POL"sport":4294967377}]}          | policies[0].sport: 4294967377 is out of range 0..65535
            {"policies":[POL"proto":262}]}                 | policies[0].proto: 262 is out of range 0..255
            {"policies":[POL"templates":[{"reqid":1,"spi":-1}]}]} | policies[0].templates[0].spi: -1 is out of range 0..4294967295
            {"policies":[POL"priority":1,"priority":2}]}   | not valid JSON: Duplicate field 'priority'
            {"policies":[]} {"states":[]}                   | not valid JSON: Trailing token
            {}                                              | nothing to install: give "states" and/or "policies"
            """)
    void refusesWhatWouldBeTruncatedOrIgnored(String json, String error) {
        String doc = json.replace("SA", SA).replace("POL", POL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XfrmSpecReader.read(doc));
        assertTrue(e.getMessage().startsWith(error), e.getMessage());
    }
}
