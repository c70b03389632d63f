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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
